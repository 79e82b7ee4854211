package io.gamewire.connector.internal;

/** A connector datagram that is not a valid message: it is counted and dropped. */
public final class InvalidMessageException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidMessageException(String message) {
    super(message, null, false, false);
  }
}
