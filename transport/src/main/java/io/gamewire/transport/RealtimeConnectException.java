package io.gamewire.transport;

import io.gamewire.protocol.realtime.ConnectFailure;
import java.io.IOException;

/**
 * A {@link RealtimeClient} could not connect. {@link #failure()} says why (timed out, server full,
 * version mismatch, ...); the message names the server and what to do.
 */
public class RealtimeConnectException extends IOException {
  private final ConnectFailure failure;

  public RealtimeConnectException(ConnectFailure failure, String server) {
    super("cannot connect to " + server + ": " + failure.description());
    this.failure = failure;
  }

  /** An I/O failure before the handshake could start (the local socket could not be bound). */
  public RealtimeConnectException(String message, Throwable cause) {
    super(message, cause);
    this.failure = null;
  }

  /** Why the handshake failed, or null if it never started. */
  public ConnectFailure failure() {
    return failure;
  }
}
