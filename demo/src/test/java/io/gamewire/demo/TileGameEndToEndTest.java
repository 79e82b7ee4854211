package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.transport.GameServer;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tile game on loopback: a server and 20 bots that wander, chase and break crates. */
class TileGameEndToEndTest {
  static final int BOTS = 20;
  static final Duration WAIT = Duration.ofSeconds(30);
  private static ResourceLeakDetector.Level leakLevel;

  /** Paranoid leak tracing costs a stack trace per buffer access: too slow for 20 clients. */
  @BeforeAll
  static void lighterLeakDetection() {
    leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
  }

  @AfterAll
  static void restoreLeakDetection() {
    ResourceLeakDetector.setLevel(leakLevel);
  }

  @Test
  void twentyBotsPlayAndEveryBotSeesEveryPlayerAndTheServersTiles() throws Exception {
    long seed = 20261123L;
    try (TileServer server =
            TileServer.start(
                "127.0.0.1:0", seed, BOTS, UnaryOperator.<GameServer.Builder>identity());
        BotSwarm swarm = BotSwarm.join(server.localAddress(), BOTS, "bot", seed)) {
      Map<Long, double[]> spawns = new HashMap<>();
      await().atMost(WAIT).until(() -> TileGame.players(server.server().state()).size() == BOTS);
      TileGame.players(server.server().state())
          .forEach((id, p) -> spawns.put((Long) id, TileGame.position(p)));

      // Play three seconds at least, until some crates are broken and every bot has moved away
      // from its spawn.
      long startTick = server.game().ticks();
      await()
          .atMost(WAIT)
          .until(
              () -> {
                Map<Object, Object> s = server.server().state();
                if (server.game().ticks() - startTick < 3 * TileGame.TICK_RATE
                    || ((Map<?, ?>) s.get("tiles")).size() < 3) {
                  return false;
                }
                for (Map.Entry<Object, Object> e : TileGame.players(s).entrySet()) {
                  double[] p = TileGame.position(e.getValue());
                  double[] from = spawns.get(e.getKey());
                  if (Math.hypot(p[0] - from[0], p[1] - from[1]) < 1) {
                    return false;
                  }
                }
                return true;
              });
      swarm.pause(true);

      // Once the bots stand still, every one holds the server's state.
      Map<Object, Object> players = TileGame.players(server.server().state());
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<Object, Object> truth = server.server().state();
                for (TileBot bot : swarm.bots()) {
                  TileClient c = bot.player();
                  assertThat(c.isConnected()).isTrue();
                  assertThat(c.others().keySet())
                      .as("the players %s sees", c.name())
                      .hasSize(BOTS - 1)
                      .allMatch(players::containsKey);
                  assertThat(c.state().get("tiles")).isEqualTo(truth.get("tiles"));
                  assertThat(TileGame.players(c.state())).isEqualTo(TileGame.players(truth));
                  // Every move acknowledged: the prediction is the server's position, exactly.
                  assertThat(c.pendingMoves()).as("moves %s has in flight", c.name()).isZero();
                  assertThat(c.position())
                      .as("where %s predicts itself", c.name())
                      .containsExactly(TileGame.position(TileGame.players(truth).get(c.id())));
                  for (int y = 0; y < c.world().height(); y++) {
                    for (int x = 0; x < c.world().width(); x++) {
                      assertThat(c.tile(x, y))
                          .isEqualTo(TileGame.tile(server.game().world(), truth, x, y));
                    }
                  }
                }
              });
      Set<TileBot.Mode> modes = new java.util.HashSet<>();
      swarm.bots().forEach(b -> modes.add(b.mode()));
      assertThat(modes).containsExactlyInAnyOrder(TileBot.Mode.values());
      System.out.printf(
          "tile game e2e: %d bots, %d ticks, %d tiles broken, %d moves and %d breaks rejected%n",
          BOTS,
          server.game().ticks(),
          ((Map<?, ?>) server.server().state().get("tiles")).size(),
          server.game().rejectedMoves(),
          server.game().rejectedBreaks());
    }
  }

  @Test
  void joiningWithATakenNameOrOnAFullServerFailsWithAClearError() throws Exception {
    try (TileServer server =
        TileServer.start("127.0.0.1:0", 1, 2, UnaryOperator.<GameServer.Builder>identity())) {
      try (TileClient a = TileClient.join(server.localAddress(), "alice", null)) {
        assertThat(a.world().sameTiles(server.game().world())).isTrue();
        JoinRefusedException taken =
            org.junit.jupiter.api.Assertions.assertThrows(
                JoinRefusedException.class,
                () -> TileClient.join(server.localAddress(), "Alice", null));
        assertThat(taken.code()).isEqualTo(TileGame.NAME_TAKEN);
        assertThat(taken).hasMessage("the name 'Alice' is taken; choose another");
        JoinRefusedException invalid =
            org.junit.jupiter.api.Assertions.assertThrows(
                JoinRefusedException.class,
                () -> TileClient.join(server.localAddress(), "no spaces", null));
        assertThat(invalid.code()).isEqualTo(TileGame.INVALID_NAME);
        try (TileClient b = TileClient.join(server.localAddress(), "bob", null)) {
          JoinRefusedException full =
              org.junit.jupiter.api.Assertions.assertThrows(
                  JoinRefusedException.class,
                  () -> TileClient.join(server.localAddress(), "carol", null));
          assertThat(full).hasMessage("the server is full (2 players)");
        }
        // Bob left: his player goes and the name and the place are free again.
        await().atMost(WAIT).until(() -> server.players() == 1);
        try (TileClient bob = TileClient.join(server.localAddress(), "bob", null)) {
          assertThat(bob.id()).isPositive();
        }
      }
    }
  }
}
