package io.gamewire.demo;

import java.io.IOException;

/** The server refused to let a player join; {@link #code()} is one of {@code TileGame}'s codes. */
public final class JoinRefusedException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String code;

  public JoinRefusedException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** {@code name-taken}, {@code invalid-name}, {@code server-full}, {@code already-joined}... */
  public String code() {
    return code;
  }
}
