package io.gamewire.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A sans-I/O endpoint as {@link Drive} sees it: datagrams and timeouts go in with the current time,
 * datagrams to send come out when polled, and it says when it next wants to be woken. A test adapts
 * each protocol endpoint to this interface with a few lines.
 */
public interface SimEndpoint {

  /** A datagram the endpoint wants sent. */
  record Outgoing(InetSocketAddress to, byte[] bytes) {
    public Outgoing {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(bytes, "bytes");
    }

    /**
     * A copy of {@code datagram}'s readable bytes to {@code to}, releasing the buffer: what an
     * adapter returns for a sans-I/O endpoint's polled datagram. Null for a null datagram.
     */
    public static Outgoing taking(InetSocketAddress to, ByteBuf datagram) {
      if (datagram == null) {
        return null;
      }
      try {
        return new Outgoing(to, ByteBufUtil.getBytes(datagram));
      } finally {
        datagram.release();
      }
    }
  }

  /** Where the endpoint lives on the simulated network. */
  InetSocketAddress address();

  void handleDatagram(long nowNanos, InetSocketAddress from, byte[] datagram);

  /** The next datagram to send now, or {@code null} when there is nothing more to send. */
  Outgoing pollDatagram(long nowNanos);

  /**
   * When {@link #handleTimeout} should next be called, or {@link Long#MAX_VALUE} if never. A
   * deadline at or before now means "call me now"; after that call it must move into the future.
   */
  long nextTimeoutNanos();

  void handleTimeout(long nowNanos);
}
