package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.connector.LanAnnouncer;
import io.gamewire.transport.GameServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Joining a tile server found by LAN discovery, on loopback: the query goes to the announcers' own
 * addresses (unicast), so the test does not depend on broadcasts working on this machine.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LanJoinTest {
  static final Duration WAIT = Duration.ofSeconds(1);

  private static TileServer server(long seed) {
    return TileServer.start("127.0.0.1:0", seed, 4, UnaryOperator.<GameServer.Builder>identity());
  }

  /** Another game on the LAN, which a tile client must pass over. */
  private static LanAnnouncer chase(int gamePort) {
    return LanAnnouncer.builder("lan-chase", gamePort)
        .bindAddress("127.0.0.1")
        .port(0)
        .ipv6(false)
        .listing("chase", () -> 1, 8)
        .build()
        .start();
  }

  @Test
  void aClientJoinsTheServerWithTheAnnouncedNameAndSeesTheListingChange() throws Exception {
    try (TileServer a = server(1);
        TileServer b = server(2)) {
      InetSocketAddress lanA = a.announceOnLan("lan-tiles-a", 0);
      InetSocketAddress lanB = b.announceOnLan("lan-tiles-b", 0);
      assertThat(lanA.getAddress().isLoopbackAddress())
          .as("a loopback server announces there")
          .isTrue();

      LanDialer dialer = new LanDialer("lan-tiles-b", List.of(lanA, lanB), WAIT);
      try (TileClient c = TileClient.join(dialer, "finder", null)) {
        assertThat(dialer.chosen().address()).isEqualTo(b.localAddress());
        assertThat(dialer.chosen().capacity()).isEqualTo(4);
        assertThat(dialer.describe())
            .isEqualTo("'lan-tiles-b' on the LAN (127.0.0.1:" + b.localAddress().getPort() + ")");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.players() == 1);
        assertThat(a.players()).isZero();
        assertThat(c.world().width()).isEqualTo(TileServer.DEFAULT_WIDTH);
        // The listing counts players as they are now.
        LanDialer second = new LanDialer("lan-tiles-b", List.of(lanB), WAIT);
        try (TileClient d = TileClient.join(second, "second", null)) {
          assertThat(second.chosen().players()).isEqualTo(1);
          assertThat(d.id()).isNotEqualTo(c.id());
        }
      }
    }
  }

  @Test
  void withoutANameTheFirstTileServerIsJoinedAndOtherGamesArePassedOver() throws Exception {
    try (TileServer tiles = server(3);
        LanAnnouncer other = chase(tiles.localAddress().getPort() + 1)) {
      InetSocketAddress lan = tiles.announceOnLan("lan-tiles", 0);
      LanDialer dialer = new LanDialer(null, List.of(other.localAddress(), lan), WAIT);
      try (TileClient c = TileClient.join(dialer, "anyone", null)) {
        assertThat(dialer.chosen().serverName()).isEqualTo("lan-tiles");
        assertThat(c.isConnected()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> tiles.players() == 1);
      }
    }
  }

  @Test
  void anUnknownNameFailsWithOneLineListingWhatWasFound() throws Exception {
    try (TileServer tiles = server(4);
        LanAnnouncer other = chase(7777)) {
      InetSocketAddress lan = tiles.announceOnLan("lan-tiles", 0);
      LanDialer dialer = new LanDialer("nobody-here", List.of(lan, other.localAddress()), WAIT);
      assertThatThrownBy(() -> TileClient.join(dialer, "lost", null))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("no tile server named 'nobody-here' on the LAN; found ")
          .hasMessageContaining(
              "'lan-tiles' (tiles, 127.0.0.1:" + tiles.localAddress().getPort() + ")")
          .hasMessageContaining("'lan-chase' (chase, 127.0.0.1:7777)")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
      assertThat(tiles.players()).isZero();
    }
  }

  @Test
  void nothingAnsweringSaysSo() throws Exception {
    try (java.net.DatagramSocket silent =
        new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      LanDialer dialer =
          new LanDialer(
              null,
              List.of((InetSocketAddress) silent.getLocalSocketAddress()),
              Duration.ofMillis(300));
      assertThatThrownBy(() -> TileClient.join(dialer, "lost", null))
          .isInstanceOf(IOException.class)
          .hasMessage("no tile server on the LAN; found no servers at all");
    }
  }

  @Test
  void aServerAnnouncesOnce() {
    try (TileServer tiles = server(5)) {
      tiles.announceOnLan("lan-tiles", 0);
      assertThatThrownBy(() -> tiles.announceOnLan("again", 0))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
