package io.gamewire.cli;

import io.gamewire.connector.Connector;
import io.gamewire.connector.ConnectorClient;
import io.gamewire.connector.ConnectorRegistration;
import io.gamewire.demo.BotSwarm;
import io.gamewire.demo.LinkFigures;
import io.gamewire.demo.TileBot;
import io.gamewire.demo.TileClient;
import io.gamewire.demo.TileGame;
import io.gamewire.demo.TileServer;
import io.gamewire.demo.TileWindow;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameClient;
import io.gamewire.transport.GameServer;
import io.gamewire.transport.RealtimeServer;
import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gamewire demo}: the tile game in one process: an authoritative server and bots joining by
 * address. With a display a window opens with you as a player; without one (or with {@code
 * --headless}) a status line per second and a summary, then exit 0 if every bot stayed connected.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Runs the tile game: a server and bots in one process, with a window client if there is"
            + " a display, else a status line per second.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1:0",
      description = "Where the game server listens (default ${DEFAULT-VALUE}: any free port).")
  String bind;

  @Option(
      names = "--bots",
      defaultValue = "8",
      description = "Bots that join (default ${DEFAULT-VALUE}).")
  int bots;

  @Option(
      names = "--seconds",
      defaultValue = "15",
      description =
          "How long the headless demo runs (default ${DEFAULT-VALUE}); with a window, until it is"
              + " closed.")
  double seconds;

  @Option(names = "--headless", description = "No window even if there is a display.")
  boolean headless;

  @Option(names = "--name", defaultValue = "you", description = "Your name in the window.")
  String name;

  @Option(names = "--seed", description = "The world's seed (default: the time).")
  Long seed;

  @Mixin LanOptions lan = new LanOptions();

  private final Terminal terminal;

  public DemoCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  /** The name the demo's server registers under with its embedded connector. */
  static final String SERVER_NAME = "gamewire-demo";

  @Override
  public Integer call() throws Exception {
    if (bots < 0 || bots > 200) {
      throw new CommandFailure("--bots must be in 0..200, was " + bots);
    }
    if (!(seconds > 0)) {
      throw new CommandFailure("--seconds must be positive, was " + seconds);
    }
    lan.check();
    PrintWriter out = terminal.out();
    long worldSeed = seed != null ? seed : System.currentTimeMillis();
    boolean window = !headless && !GraphicsEnvironment.isHeadless();
    int maxPlayers = Math.max(TileGame.DEFAULT_MAX_PLAYERS, bots + (window ? 1 : 0));
    long start = System.nanoTime();
    try (Connector connector = startConnector()) {
      InetSocketAddress via = connector.localAddress();
      ConnectorRegistration registration = ConnectorRegistration.builder(SERVER_NAME, via).build();
      try (TileServer server =
          startServer(bind, worldSeed, maxPlayers, b -> b.sideProtocol(registration))) {
        InetSocketAddress address = server.localAddress();
        out.printf(
            Locale.ROOT,
            "tile game server listening on %s (world %d×%d, seed %d, at most %d players)%n",
            Addresses.format(address),
            server.game().world().width(),
            server.game().world().height(),
            worldSeed,
            maxPlayers);
        lan.announce(server, SERVER_NAME, out);
        awaitRegistration(registration, via);
        out.printf(
            Locale.ROOT,
            "registered as '%s' with the connector on %s%n",
            SERVER_NAME,
            Addresses.format(via));
        TileClient.Dialer byName = byName(via);
        try (BotSwarm swarm = joinBots(byName, bots, worldSeed)) {
          out.printf(Locale.ROOT, "%d bots joined by name (wander, chase, break)%n", bots);
          if (window) {
            try (TileClient me = join(byName, name)) {
              out.println("you joined as " + name + "; arrows walk, space breaks a crate");
              TileWindow.play(me, 0);
            }
          } else {
            headless(server, swarm, out);
          }
          return summary(server, swarm, start, out);
        }
      }
    }
  }

  /** The demo's own connector, on an ephemeral loopback port. */
  private static Connector startConnector() {
    try {
      return Connector.builder().bind("127.0.0.1:0").build().start();
    } catch (RuntimeException e) {
      throw new CommandFailure("cannot start the demo's connector: " + e.getMessage());
    }
  }

  private static void awaitRegistration(ConnectorRegistration registration, InetSocketAddress via) {
    try {
      registration.registered().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new CommandFailure(
          "the server could not register with the connector on "
              + Addresses.format(via)
              + ": "
              + e);
    }
  }

  /** Joins the server registered as {@link #SERVER_NAME}, as lan-caster clients do. */
  static TileClient.Dialer byName(InetSocketAddress connector) {
    return byName(connector, SERVER_NAME);
  }

  /** Joins the server registered with {@code connector} as {@code serverName}. */
  static TileClient.Dialer byName(InetSocketAddress connector, String serverName) {
    ConnectorClient client = ConnectorClient.builder(connector).build();
    return new TileClient.Dialer() {
      @Override
      public GameClient dial(
          java.util.function.Function<InetSocketAddress, GameClient.Builder> builders)
          throws IOException {
        return client.connectGame(serverName, builders);
      }

      @Override
      public String describe() {
        return "'" + serverName + "'";
      }
    };
  }

  /** Starts the tile game server or fails with one line (a port in use, a bad address). */
  static TileServer startServer(
      String bind,
      long seed,
      int maxPlayers,
      java.util.function.UnaryOperator<GameServer.Builder> extras) {
    String at = Addresses.format(Addresses.parse(bind, RealtimeServer.DEFAULT_PORT));
    try {
      return TileServer.start(at, seed, maxPlayers, extras);
    } catch (UncheckedIOException e) {
      // The epoll transport reports a taken port as a NativeIoException, not a BindException.
      String why = String.valueOf(e.getCause().getMessage());
      if (why.contains("already in use")) {
        throw new CommandFailure(
            "cannot listen on " + at + ": the port is in use; choose another with --bind");
      }
      throw new CommandFailure(why);
    }
  }

  /**
   * Answers LAN discovery for {@code server} as {@code name}; a discovery port that cannot be bound
   * costs the listing only, so it is a line of output, not a failure.
   */
  static TileClient join(TileClient.Dialer dialer, String name) {
    try {
      return TileClient.join(dialer, name, null);
    } catch (IOException e) {
      throw new CommandFailure("cannot join as " + name + ": " + e.getMessage());
    }
  }

  private static BotSwarm joinBots(TileClient.Dialer dialer, int count, long seed) {
    try {
      return BotSwarm.join(dialer, count, "bot", seed);
    } catch (IOException e) {
      throw new CommandFailure("a bot could not join: " + e.getMessage());
    }
  }

  private void headless(TileServer server, BotSwarm swarm, PrintWriter out) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long next = start + 1_000_000_000L;
    long[] last = bytes(swarm);
    long lastNanos = start;
    while (true) {
      long wait = Math.min(next, end) - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        if (Thread.interrupted()) {
          throw new CommandFailure("interrupted");
        }
        continue;
      }
      long now = System.nanoTime();
      long[] b = bytes(swarm);
      double dt = (now - lastNanos) / 1e9;
      int clients = Math.max(1, swarm.bots().size());
      out.printf(
          Locale.ROOT,
          "%4.0fs  players %d  tick %d  ping %.1f ms  per client in %s/s out %s/s%n",
          (now - start) / 1e9,
          server.players(),
          server.game().ticks(),
          averagePing(swarm),
          LinkFigures.bytes((b[0] - last[0]) / dt / clients),
          LinkFigures.bytes((b[1] - last[1]) / dt / clients));
      last = b;
      lastNanos = now;
      if (now - end >= 0) {
        return;
      }
      next += 1_000_000_000L;
    }
  }

  private static long[] bytes(BotSwarm swarm) {
    long in = 0;
    long out = 0;
    for (TileBot b : swarm.bots()) {
      ConnectionStats s = b.player().client().stats();
      if (s != null) {
        in += s.bytesIn();
        out += s.bytesOut();
      }
    }
    return new long[] {in, out};
  }

  private static double averagePing(BotSwarm swarm) {
    double sum = 0;
    int n = 0;
    for (TileBot b : swarm.bots()) {
      double ping = b.player().client().latencyMillis();
      if (ping >= 0) {
        sum += ping;
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  private int summary(TileServer server, BotSwarm swarm, long start, PrintWriter out) {
    List<TileBot> all = swarm.bots();
    int connected = swarm.connected();
    Map<Object, Object> state = server.server().state();
    long[] b = bytes(swarm);
    int clients = Math.max(1, all.size());
    double[] corrections = new double[2];
    for (TileBot bot : all) {
      double[] c = bot.player().corrections();
      corrections[0] += c[0];
      corrections[1] = Math.max(corrections[1], c[1]);
    }
    String bots =
        connected == bots()
            ? "all " + connected + " bots connected"
            : connected + " of " + bots() + " bots connected";
    out.printf(
        Locale.ROOT,
        "demo finished after %.1f s: %s, %d players, %d ticks, %d tiles broken, %d moves and %d"
            + " breaks rejected by the server, %d prediction corrections (largest %.2f tiles), ping"
            + " %.1f ms, %s in and %s out per client%n",
        (System.nanoTime() - start) / 1e9,
        bots,
        server.players(),
        server.game().ticks(),
        ((Map<?, ?>) state.get("tiles")).size(),
        server.game().rejectedMoves(),
        server.game().rejectedBreaks(),
        (long) corrections[0],
        corrections[1],
        averagePing(swarm),
        LinkFigures.bytes((double) b[0] / clients),
        LinkFigures.bytes((double) b[1] / clients));
    if (connected != bots()) {
      throw new CommandFailure(
          "demo: " + (bots() - connected) + " bots lost their connection to the server");
    }
    return Main.EXIT_OK;
  }

  private int bots() {
    return bots;
  }
}
