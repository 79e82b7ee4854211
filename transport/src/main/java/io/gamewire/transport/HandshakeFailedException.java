package io.gamewire.transport;

import java.io.IOException;

/**
 * A connection closed before its handshake finished. {@link #reason()} is the close reason (for
 * example {@code protoversionmismatch} or {@code unknownconntype}); the message says what happened.
 */
public class HandshakeFailedException extends IOException {
  private final String reason;

  public HandshakeFailedException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
