package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SideProtocolTest {
  static final byte[] MAGIC = "SIDE".getBytes(StandardCharsets.US_ASCII);

  /** Answers every datagram that starts with SIDE with the same bytes, upper-cased after it. */
  static final class Echo implements SideProtocol {
    final AtomicInteger attached = new AtomicInteger();
    final AtomicInteger detached = new AtomicInteger();
    volatile SideSocket socket;

    @Override
    public boolean claims(ByteBuf d) {
      return d.readableBytes() >= 4 && d.getInt(d.readerIndex()) == 0x53494445;
    }

    @Override
    public void onDatagram(InetSocketAddress from, ByteBuf d) {
      String text = d.toString(StandardCharsets.US_ASCII).toUpperCase();
      socket.send(from, Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Override
    public void onAttach(SideSocket s) {
      socket = s;
      attached.incrementAndGet();
    }

    @Override
    public void onDetach() {
      detached.incrementAndGet();
    }
  }

  @Test
  void sideProtocolSharesTheServerSocketWithRealtimeClients() throws Exception {
    Echo side = new Echo();
    List<String> got = new CopyOnWriteArrayList<>();
    try (RealtimeServer server =
            RealtimeServer.builder()
                .bind("127.0.0.1:0")
                .sideProtocol(side)
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onMessage(int clientId, int channel, byte[] message) {
                        got.add(new String(message, StandardCharsets.UTF_8));
                      }
                    })
                .build()
                .start();
        DatagramChannel raw = DatagramChannel.open(StandardProtocolFamily.INET)) {
      assertThat(side.attached).hasValue(1);
      assertThat(side.socket.localAddress()).isEqualTo(server.localAddress());

      raw.bind(new InetSocketAddress("127.0.0.1", 0));
      raw.configureBlocking(false);
      raw.send(
          ByteBuffer.wrap("SIDEhello".getBytes(StandardCharsets.US_ASCII)), server.localAddress());
      ByteBuffer reply = ByteBuffer.allocate(64);
      await().atMost(Duration.ofSeconds(5)).until(() -> raw.receive(reply) != null);
      reply.flip();
      assertThat(StandardCharsets.US_ASCII.decode(reply).toString()).isEqualTo("SIDEHELLO");

      // The realtime endpoint still gets everything the side protocol does not claim.
      try (RealtimeClient client =
          RealtimeClient.builder(server.localAddress()).build().connect()) {
        client.send(0, "realtime".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("realtime"));
      }
      // Garbage that nobody claims is dropped by the endpoint, not handed to the side protocol.
      raw.send(ByteBuffer.wrap(ByteBufUtil.decodeHexDump("00010203")), server.localAddress());
    }
    assertThat(side.detached).hasValue(1);
  }

  @Test
  void clientBindsTheLocalAddressItIsGiven() throws Exception {
    int port;
    try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET)) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    List<InetSocketAddress> seen = new CopyOnWriteArrayList<>();
    try (RealtimeServer server =
            RealtimeServer.builder()
                .bind("127.0.0.1:0")
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onConnected(int clientId, InetSocketAddress address) {
                        seen.add(address);
                      }
                    })
                .build()
                .start();
        RealtimeClient client =
            RealtimeClient.builder(server.localAddress())
                .localAddress(new InetSocketAddress("127.0.0.1", port))
                .build()
                .connect()) {
      assertThat(client.localAddress().getPort()).isEqualTo(port);
      await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
      assertThat(seen.get(0).getPort()).isEqualTo(port);
    }
  }
}
