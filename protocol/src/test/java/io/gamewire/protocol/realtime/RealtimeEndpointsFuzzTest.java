package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Random datagrams, with and without a valid header, never throw out of either endpoint. */
class RealtimeEndpointsFuzzTest {
  static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 7777);
  static final InetSocketAddress PEER = new InetSocketAddress("10.0.1.1", 50001);

  static final RealtimeServerEndpoint.Listener QUIET_SERVER =
      new RealtimeServerEndpoint.Listener() {
        @Override
        public void onConnected(int id, InetSocketAddress address) {}

        @Override
        public void onMessage(int id, int channel, ByteBuf message) {}

        @Override
        public void onDisconnected(int id, int code, String text, boolean byPeer) {}
      };

  static final RealtimeClientEndpoint.Listener QUIET_CLIENT =
      new RealtimeClientEndpoint.Listener() {
        @Override
        public void onConnected() {}

        @Override
        public void onConnectFailed(ConnectFailure failure) {}

        @Override
        public void onMessage(int channel, ByteBuf message) {}

        @Override
        public void onDisconnected(int code, String text, boolean byPeer) {}
      };

  @Property(tries = 3000)
  void garbageNeverThrows(
      @ForAll @Size(max = 1400) byte[] body,
      @ForAll @IntRange(min = 0, max = 15) int kind,
      @ForAll boolean withHeader,
      @ForAll int token) {
    long now = 1_000_000_000L;
    ByteBuf d = Unpooled.buffer();
    if (withHeader) {
      RealtimeHeader.write(d, 0, 0, 0, PacketKind.CONNECT_REQUEST, 0, token);
      d.setByte(RealtimeHeader.OFFSET_KIND, kind);
    }
    d.writeBytes(body);

    RealtimeServerEndpoint server =
        new RealtimeServerEndpoint(
            RealtimeConfig.defaults(),
            2,
            new byte[32],
            new SplittableRandom(1),
            ByteBufAllocator.DEFAULT,
            QUIET_SERVER);
    server.handleDatagram(now, PEER, d);
    RealtimeServerEndpoint.Outgoing o;
    while ((o = server.pollDatagram(now)) != null) {
      assertThat(o.bytes().readableBytes()).isLessThan(d.readableBytes());
      o.bytes().release();
    }
    assertThat(server.connectionCount()).isZero();
    server.close();

    RealtimeClientEndpoint client =
        new RealtimeClientEndpoint(
            RealtimeConfig.defaults(),
            SERVER,
            new SplittableRandom(1),
            ByteBufAllocator.DEFAULT,
            QUIET_CLIENT);
    client.connect(now);
    ByteBuf req = client.pollDatagram(now);
    req.release();
    client.handleDatagram(now, SERVER, d);
    ByteBuf out;
    while ((out = client.pollDatagram(now + 300_000_000L)) != null) {
      out.release();
    }
    client.close();
    d.release();
  }
}
