package io.gamewire.transport;

import java.net.InetSocketAddress;

/**
 * Receives a {@link RealtimeServer}'s events. Unless the server was built with {@code
 * listenersOnIoThread()}, callbacks run on the listener executor, one at a time and in order per
 * client; a slow callback holds up only its own client.
 */
public interface RealtimeServerListener {
  /** A client finished the handshake; {@code clientId} is never reused by this server. */
  default void onConnected(int clientId, InetSocketAddress address) {}

  /** A message from a client; {@code message} is a copy the listener may keep. */
  default void onMessage(int clientId, int channel, byte[] message) {}

  /**
   * A client is gone: it disconnected ({@code byPeer}), timed out, or this server disconnected it.
   * Codes below 1000 are the library's (1 closed, 2 timed out, 3 reliable message not acknowledged,
   * 4 protocol error), 1000 and up the application's.
   */
  default void onDisconnected(int clientId, int code, String text, boolean byPeer) {}
}
