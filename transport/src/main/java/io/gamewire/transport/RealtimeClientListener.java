package io.gamewire.transport;

/**
 * Receives a {@link RealtimeClient}'s events. Unless the client was built with {@code
 * listenersOnIoThread()}, callbacks run on the listener executor, one at a time and in order.
 */
public interface RealtimeClientListener {
  /** The handshake finished; sends are possible from now on. */
  default void onConnected() {}

  /** A message from the server; {@code message} is a copy the listener may keep. */
  default void onMessage(int channel, byte[] message) {}

  /**
   * The connection ended: the server disconnected us ({@code byPeer}), it timed out, or this client
   * disconnected. See {@link RealtimeServerListener#onDisconnected} for the codes.
   */
  default void onDisconnected(int code, String text, boolean byPeer) {}
}
