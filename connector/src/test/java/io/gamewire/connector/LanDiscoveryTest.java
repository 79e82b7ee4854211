package io.gamewire.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.connector.internal.ConnectorCodec;
import io.gamewire.connector.internal.ConnectorMessage;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** LAN discovery on loopback (unicast to the announcer; broadcast needs a real segment). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LanDiscoveryTest {

  @Test
  void anAnnouncerAnswersWithItsListing() throws Exception {
    try (LanAnnouncer a =
            LanAnnouncer.builder("lan-game-a", 7777)
                .bindAddress("127.0.0.1")
                .port(0)
                .ipv6(false)
                .listing("chase", () -> 3, 8)
                .build()
                .start();
        LanAnnouncer b =
            LanAnnouncer.builder("lan-game-b", 7778)
                .bindAddress("127.0.0.1")
                .port(0)
                .ipv6(false)
                .build()
                .start()) {
      List<DiscoveredServer> found =
          LanDiscovery.discover(Duration.ofSeconds(3), List.of(a.localAddress(), b.localAddress()));
      assertThat(found)
          .containsExactlyInAnyOrder(
              new DiscoveredServer(
                  "lan-game-a", new InetSocketAddress("127.0.0.1", 7777), "chase", 3, 8),
              new DiscoveredServer(
                  "lan-game-b", new InetSocketAddress("127.0.0.1", 7778), "", 0, 0));
    }
  }

  /** A small query would make the answer larger than itself: no answer, so no amplification. */
  @Test
  void anUnpaddedQueryGetsNoAnswer() throws Exception {
    try (LanAnnouncer a =
            LanAnnouncer.builder("lan-game-a", 7777)
                .bindAddress("127.0.0.1")
                .port(0)
                .ipv6(false)
                .build()
                .start();
        DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        ConnectorCodec codec = new ConnectorCodec()) {
      probe.setSoTimeout(300);
      byte[] small = codec.encode(ConnectorMessage.of("discover").put("nonce", 1L));
      byte[] padded =
          codec.encode(ConnectorMessage.of("discover").put("nonce", 2L).put("pad", new byte[64]));
      probe.send(new DatagramPacket(small, small.length, a.localAddress()));
      byte[] buffer = new byte[2048];
      DatagramPacket in = new DatagramPacket(buffer, buffer.length);
      boolean answered;
      try {
        probe.receive(in);
        answered = true;
      } catch (SocketTimeoutException e) {
        answered = false;
      }
      assertThat(answered).as("answer to a %d-byte query", small.length).isFalse();
      // Zero padding deflates to almost nothing: random bytes are needed, as LanDiscovery sends.
      probe.send(new DatagramPacket(padded, padded.length, a.localAddress()));
      try {
        probe.receive(in);
        answered = true;
      } catch (SocketTimeoutException e) {
        answered = false;
      }
      assertThat(answered).isFalse();
      byte[] pad = new byte[200];
      new java.util.Random(3).nextBytes(pad);
      byte[] big = codec.encode(ConnectorMessage.of("discover").put("nonce", 3L).put("pad", pad));
      probe.setSoTimeout(5000);
      probe.send(new DatagramPacket(big, big.length, a.localAddress()));
      probe.receive(in);
      assertThat(in.getLength()).isLessThanOrEqualTo(big.length);
      assertThat(codec.decode(buffer, 0, in.getLength()).integer("nonce")).isEqualTo(3L);
    }
  }
}
