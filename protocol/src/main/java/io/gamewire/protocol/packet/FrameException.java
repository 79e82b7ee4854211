package io.gamewire.protocol.packet;

/**
 * Bytes on a packet stream that cannot be a frame. Carries the close reason the connection ends
 * with; the peer learns it through {@code closeconn}.
 */
public final class FrameException extends Exception {
  private final String reason;

  public FrameException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** The close reason, one of {@link CloseReasons}. */
  public String reason() {
    return reason;
  }
}
