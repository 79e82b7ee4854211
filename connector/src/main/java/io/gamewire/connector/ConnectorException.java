package io.gamewire.connector;

import java.io.IOException;

/**
 * Joining or registering through a connector failed; {@link #step()} says where, and the message
 * says what to do.
 */
public final class ConnectorException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Where it failed. */
  public enum Step {
    /** No answer from the connector after every retry. */
    CONNECTOR_UNREACHABLE,
    /** The connector answered with an Error (unknown name, name taken, list full...). */
    CONNECTOR_ERROR,
    /** The connector gave the server's endpoints but none answered the realtime handshake. */
    NO_ENDPOINT_ANSWERED
  }

  private final Step step;
  private final String connectorError;

  public ConnectorException(Step step, String message, String connectorError, Throwable cause) {
    super(message, cause);
    this.step = step;
    this.connectorError = connectorError;
  }

  public Step step() {
    return step;
  }

  /** The connector's Error text (e.g. {@code "Server is not registered."}), or null. */
  public String connectorError() {
    return connectorError;
  }
}
