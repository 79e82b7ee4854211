package io.gamewire.transport;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * Another protocol that shares a realtime socket: the PyGaSe profile of a game server, a
 * connector's registration and punch-through, a LAN discovery answer. The socket hands every
 * datagram to the first side protocol that {@link #claims} it, and the rest to the realtime
 * endpoint. Sharing matters for NAT traversal: a connector learns the public endpoint of the socket
 * a registration came from, so the game must be reachable on that same socket.
 *
 * <p>Every method runs on the socket's I/O thread and must not block.
 */
public interface SideProtocol {

  /**
   * Whether this protocol takes the datagram, decided from its first bytes (typically a protocol id
   * or a magic). Must not move the reader index.
   */
  boolean claims(ByteBuf datagram);

  /**
   * A claimed datagram. The buffer is released after this returns: copy what must be kept. Bytes
   * from the wire: never throw for bad input, drop it.
   */
  void onDatagram(InetSocketAddress from, ByteBuf datagram);

  /** The largest datagram this protocol receives; the socket's receive buffer covers it. */
  default int maxDatagramBytes() {
    return 1500;
  }

  /** The socket is open; keep {@code socket} to send and to schedule timers. */
  default void onAttach(SideSocket socket) {}

  /** The socket is closing; cancel timers and let go of the socket. */
  default void onDetach() {}
}
