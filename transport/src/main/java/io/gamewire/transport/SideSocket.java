package io.gamewire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;

/** What a {@link SideProtocol} may do with the socket it shares. */
public interface SideSocket {

  /**
   * Sends one datagram from the shared socket. Takes ownership of {@code datagram}. Any thread; off
   * the I/O thread the write is handed to it.
   */
  void send(InetSocketAddress to, ByteBuf datagram);

  /**
   * Queues one datagram without flushing, for a burst sent from the I/O thread (many clients per
   * tick): the kernel gets the burst in one flush (sendmmsg with epoll). Call {@link #flush} after
   * the burst. Takes ownership of {@code datagram}. I/O thread only.
   */
  void write(InetSocketAddress to, ByteBuf datagram);

  /** Flushes datagrams queued by {@link #write}. I/O thread only. */
  void flush();

  /** The socket's address (with the real port when bound to port 0). */
  InetSocketAddress localAddress();

  /** The socket's I/O thread, for timers ({@code schedule}) and hand-offs ({@code execute}). */
  EventLoop loop();
}
