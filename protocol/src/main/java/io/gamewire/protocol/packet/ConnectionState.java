package io.gamewire.protocol.packet;

/**
 * Connection states with peng3dnet's numeric values. States below {@link #ACTIVE} belong to the
 * handshake; {@link #ACTIVE} and {@link #LOGGEDIN} are established; {@link #CLOSED} is final.
 */
public final class ConnectionState {
  public static final int INIT = 0;
  public static final int HANDSHAKE_WAIT1 = 1;
  public static final int HANDSHAKE_WAIT2 = 2;
  public static final int WAITTYPE = 3;
  public static final int HELLOWAIT = 4;
  public static final int ACTIVE = 64;
  public static final int LOGGEDIN = 65;
  public static final int CLOSED = 128;

  private ConnectionState() {}

  /** Whether packets of the application may flow in this state. */
  public static boolean isEstablished(int state) {
    return state == ACTIVE || state == LOGGEDIN;
  }

  /** A readable name for logs and errors. */
  public static String name(int state) {
    return switch (state) {
      case INIT -> "INIT";
      case HANDSHAKE_WAIT1 -> "HANDSHAKE_WAIT1";
      case HANDSHAKE_WAIT2 -> "HANDSHAKE_WAIT2";
      case WAITTYPE -> "WAITTYPE";
      case HELLOWAIT -> "HELLOWAIT";
      case ACTIVE -> "ACTIVE";
      case LOGGEDIN -> "LOGGEDIN";
      case CLOSED -> "CLOSED";
      default -> "STATE_" + state;
    };
  }
}
