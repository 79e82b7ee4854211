package io.gamewire.transport;

import io.gamewire.protocol.packet.PacketType;

/**
 * The life of a {@link PacketClient}, as peng3dnet's client events describe it. Runs on the
 * client's listener executor in order, never on the I/O thread unless the client was built with
 * {@code listenersOnIoThread()}.
 */
public interface PacketClientListener {
  /** The TCP connection (and TLS, if configured) is up; the handshake is starting. */
  default void onConnect(Connection connection) {}

  default void onHandshakeComplete(Connection connection) {}

  /** A packet was queued for sending (called only if {@link #wantsSendEvents} says so). */
  default void onSend(Connection connection, PacketType<?> type, Object body) {}

  default void onReceive(Connection connection, PacketType<?> type, Object body) {}

  default void onClose(Connection connection, String reason, boolean byPeer) {}

  default boolean wantsSendEvents() {
    return false;
  }
}
