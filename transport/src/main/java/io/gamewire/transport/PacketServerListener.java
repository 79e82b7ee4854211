package io.gamewire.transport;

import io.gamewire.protocol.packet.PacketType;
import java.net.SocketAddress;

/**
 * The life of a {@link PacketServer}, as peng3dnet's server events describe it. Server events run
 * on the thread that calls {@code start}/{@code shutdown}; connection events run on the
 * connection's listener executor, in order per connection, never on an I/O thread unless the server
 * was built with {@code listenersOnIoThread()}. A slow listener delays only its own connection's
 * events, and if a connection's events pile up beyond a bound the server stops reading that socket
 * until they drain, so TCP slows the sender down instead of memory growing.
 */
public interface PacketServerListener {
  default void onInitialize(PacketServer server) {}

  default void onBind(PacketServer server, SocketAddress address) {}

  default void onStart(PacketServer server) {}

  default void onStop(PacketServer server) {}

  default void onShutdown(PacketServer server, String reason) {}

  default void onAccept(Connection connection) {}

  default void onHandshakeComplete(Connection connection) {}

  /** A packet was queued for sending (called only if overridden: see {@link #wantsSendEvents}). */
  default void onSend(Connection connection, PacketType<?> type, Object body) {}

  default void onReceive(Connection connection, PacketType<?> type, Object body) {}

  default void onClose(Connection connection, String reason, boolean byPeer) {}

  /** Whether {@link #onSend} should be called; off by default, as it doubles the listener work. */
  default boolean wantsSendEvents() {
    return false;
  }
}
