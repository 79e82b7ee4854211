package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.gamewire.cli.examples.ChaseBotAccess;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameClient;
import io.gamewire.transport.IoThreads;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chase example end to end: the server command, bot commands and 50 players on loopback. */
class ChaseExampleTest {
  static final int PLAYERS = 50;
  static final int CLI_BOTS = 2;
  static final Duration WAIT = Duration.ofSeconds(20);
  private static ResourceLeakDetector.Level leakLevel;

  /** Paranoid leak tracing costs a stack trace per buffer access: too slow for 50 players. */
  @BeforeAll
  static void lighterLeakDetection() {
    leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
  }

  @AfterAll
  static void restoreLeakDetection() {
    ResourceLeakDetector.setLevel(leakLevel);
  }

  static String profileOf(String name) {
    return name.endsWith("0") ? "native" : "pygase";
  }

  /** Half the players speak the native profile and half PyGaSe's, all on one server port. */
  @Test
  void fiftyBotsPlayAndTheHostStopsTheServer() throws Exception {
    Cli.Running server = Cli.start(LineFeed.of(), "example", "chase-server", "127.0.0.1:0");
    server.awaitOut("listening on");
    Matcher m = Pattern.compile("listening on (\\S+)").matcher(server.out());
    assertThat(m.find()).isTrue();
    InetSocketAddress address = Addresses.resolve(m.group(1), 0);

    List<GameClient> clients = new ArrayList<>();
    Map<GameClient, Long> ids = new ConcurrentHashMap<>();
    IoThreads threads = IoThreads.create(2, "chase-test");
    try {
      // The host joins first, in process.
      for (int i = 0; i < PLAYERS - CLI_BOTS; i++) {
        GameClient[] self = new GameClient[1];
        GameClient c =
            GameClient.builder(address)
                .profile(i % 2 == 0 ? GameClient.Profile.NATIVE : GameClient.Profile.PYGASE)
                .ioThreads(threads)
                .on("PLAYER_CREATED", e -> ids.put(self[0], e.longArg(0)))
                .build();
        self[0] = c;
        clients.add(c.connect());
        c.dispatch("JOIN", "bot" + i);
      }
      await().atMost(WAIT).until(() -> ids.size() == PLAYERS - CLI_BOTS);

      List<CompletableFuture<Cli.Result>> cliBots = new ArrayList<>();
      for (int i = 0; i < CLI_BOTS; i++) {
        String name = "clibot" + i;
        cliBots.add(
            CompletableFuture.supplyAsync(
                () ->
                    Cli.run(
                        "example",
                        "chase-client",
                        m.group(1),
                        "--name",
                        name,
                        "--bot",
                        "--seconds",
                        "3",
                        "--profile",
                        profileOf(name))));
      }
      // Everyone moves by the bot strategy at 20 Hz for three seconds.
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < end) {
        for (GameClient c : clients) {
          double[] to = ChaseBotAccess.step(c.state(), ids.get(c), 0.05);
          if (to != null) {
            c.dispatch("MOVE", ids.get(c), List.of(to[0], to[1]));
          }
        }
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // pacing the moves
      }
      for (CompletableFuture<Cli.Result> bot : cliBots) {
        Cli.Result r = bot.get(20, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("joined").contains("players ");
      }
      // Every player joined and the server said so, as PyGaSe's example does.
      assertThat(server.out().split(" joined\\.", -1)).hasSize(PLAYERS + 1);
      // With the moves stopped, every client converges on the same players (CLI bots gone): the
      // same chaser and names everywhere, identical trees within a profile, and positions that
      // differ across profiles only by PyGaSe's float32 rounding.
      GameClient nativeOne = clients.get(0);
      GameClient pygaseOne = clients.get(1);
      assertThat(pygaseOne.profile()).isEqualTo(GameClient.Profile.PYGASE);
      await()
          .atMost(WAIT)
          .until(
              () -> {
                Object n = nativeOne.state().get("players");
                Object p = pygaseOne.state().get("players");
                return n instanceof Map<?, ?> np
                    && np.size() >= PLAYERS - CLI_BOTS
                    && p instanceof Map<?, ?> pp
                    && pp.keySet().equals(np.keySet())
                    && clients.stream()
                        .allMatch(
                            c ->
                                StateTree.deepEquals(
                                        c.state().get("players"),
                                        c.profile() == GameClient.Profile.NATIVE ? n : p)
                                    && c.state()
                                        .get("chaser_id")
                                        .equals(nativeOne.state().get("chaser_id")));
              });
      Map<?, ?> np = (Map<?, ?>) nativeOne.state().get("players");
      Map<?, ?> pp = (Map<?, ?>) pygaseOne.state().get("players");
      for (Object id : np.keySet()) {
        Map<?, ?> a = (Map<?, ?>) np.get(id);
        Map<?, ?> b = (Map<?, ?>) pp.get(id);
        assertThat(b.get("name")).isEqualTo(a.get("name"));
        List<?> pa = (List<?>) a.get("position");
        List<?> pb = (List<?>) b.get("position");
        for (int k = 0; k < 2; k++) {
          assertThat((Double) pb.get(k)).isCloseTo((Double) pa.get(k), within(1e-3));
        }
      }
      // The host (the first client) shuts the server down.
      clients.get(0).disconnect(true);
      assertThat(server.exit.get(20, TimeUnit.SECONDS)).isZero();
      assertThat(server.out()).contains("chase server stopped");
    } finally {
      clients.forEach(GameClient::close);
      threads.close();
      server.thread.interrupt();
    }
  }

  @Test
  void aBotJoinsTheServerByNameThroughAConnector() throws Exception {
    try (io.gamewire.connector.Connector connector =
        io.gamewire.connector.Connector.builder().bind("127.0.0.1:0").build().start()) {
      String via = Addresses.format(connector.localAddress());
      Cli.Running server =
          Cli.start(
              LineFeed.of(),
              "example",
              "chase-server",
              "127.0.0.1:0",
              "--register",
              "chase-by-name",
              "--connector",
              via);
      try {
        server.awaitOut("registered as 'chase-by-name'");
        Cli.Result bot =
            Cli.run(
                "example",
                "chase-client",
                "--server-name",
                "chase-by-name",
                "--connector",
                via,
                "--name",
                "seeker",
                "--bot",
                "--seconds",
                "2",
                "--shutdown-server");
        assertThat(bot.exit()).as(bot.err()).isZero();
        assertThat(bot.out()).contains("seeker joined 'chase-by-name' as player");
        assertThat(server.exit.get(20, TimeUnit.SECONDS)).isZero();
        assertThat(server.out()).contains("seeker joined.");

        Cli.Result unknown =
            Cli.run(
                "example",
                "chase-client",
                "--server-name",
                "nobody-here",
                "--connector",
                via,
                "--name",
                "x",
                "--bot");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("Server is not registered.");
      } finally {
        server.thread.interrupt();
      }
    }
  }
}
