package io.gamewire.protocol.realtime;

/** Why a {@link RealtimeClientEndpoint#connect} did not end in a connection. */
public enum ConnectFailure {
  TIMED_OUT("timed out: the server did not complete the handshake within the connect timeout"),
  SERVER_FULL("denied: server full; try again later or another server"),
  VERSION_MISMATCH("denied: version mismatch; client and server speak different protocol versions"),
  TOKEN_REFUSED("denied: connect token refused"),
  SHUTTING_DOWN("denied: the server is shutting down"),
  DENIED("denied: for a reason this client does not know"),
  BAD_ACCEPT("the server accepted with settings this client cannot use"),
  CANCELLED("cancelled: disconnect or close was called before the handshake finished");

  private final String description;

  ConnectFailure(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /** The failure for a DENIED reason byte from the wire. */
  static ConnectFailure fromDeniedReason(int reason) {
    return switch (reason) {
      case Handshake.DENIED_SERVER_FULL -> SERVER_FULL;
      case Handshake.DENIED_VERSION_MISMATCH -> VERSION_MISMATCH;
      case Handshake.DENIED_TOKEN_REFUSED -> TOKEN_REFUSED;
      case Handshake.DENIED_SHUTTING_DOWN -> SHUTTING_DOWN;
      default -> DENIED;
    };
  }
}
