package io.gamewire.cli;

/**
 * A command could not do its job for a reason the user can act on. The message is one sentence,
 * printed after {@code gamewire: } on standard error; the exit code is 1.
 */
public final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommandFailure(String message) {
    super(message);
  }
}
