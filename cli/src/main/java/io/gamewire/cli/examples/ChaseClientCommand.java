package io.gamewire.cli.examples;

import io.gamewire.cli.AddressConverter;
import io.gamewire.cli.CommandFailure;
import io.gamewire.cli.Terminal;
import io.gamewire.connector.ConnectorClient;
import io.gamewire.connector.ConnectorException;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameClient;
import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gamewire example chase-client ADDR --name NAME [--bot]}: joins the chase game. With a
 * display it opens a window (arrow keys move; green is you, red the chaser, blue the others); with
 * {@code --bot} it plays headless and prints a line per second.
 */
@Command(
    name = "chase-client",
    mixinStandardHelpOptions = true,
    description = "Joins the chase game in a window, or headless with --bot.")
public final class ChaseClientCommand implements Callable<Integer> {
  /** Moves sent per second, as the chase scenario of the benchmarks. */
  static final int MOVES_PER_SECOND = 20;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "The chase server: " + AddressConverter.HELP + ".")
  InetSocketAddress address;

  @Option(
      names = "--server-name",
      paramLabel = "NAME",
      description = "Join the server registered under this name (with --connector), not ADDR.")
  String serverName;

  @Option(
      names = "--connector",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "The connector to ask for --server-name: host:port.")
  InetSocketAddress connector;

  @Option(names = "--name", required = true, description = "Your player name.")
  String name;

  @Option(names = "--bot", description = "Play headless with a chase-or-flee strategy.")
  boolean bot;

  @Option(
      names = "--seconds",
      description = "Leave after this many seconds (default: play until stopped).")
  double seconds;

  @Option(
      names = "--profile",
      defaultValue = "native",
      description = "The wire: native (Gamewire's realtime protocol) or pygase (PyGaSe 0.3.1).")
  String profile;

  @Option(
      names = "--shutdown-server",
      description = "On leaving, ask the server to stop (only the host may).")
  boolean shutdownServer;

  private final Terminal terminal;

  public ChaseClientCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws Exception {
    if (!bot && GraphicsEnvironment.isHeadless()) {
      throw new CommandFailure("no display for the window client; run with --bot to play headless");
    }
    GameClient.Profile wire =
        switch (profile) {
          case "native" -> GameClient.Profile.NATIVE;
          case "pygase" -> GameClient.Profile.PYGASE;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  new picocli.CommandLine(this),
                  "--profile must be native or pygase, was " + profile);
        };
    if ((address == null) == (serverName == null) || (serverName == null) != (connector == null)) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this),
          "give either ADDR, or --server-name NAME with --connector ADDR");
    }
    CompletableFuture<Long> playerId = new CompletableFuture<>();
    java.util.function.Function<InetSocketAddress, GameClient.Builder> builder =
        target ->
            GameClient.builder(target)
                .profile(wire)
                .on("PLAYER_CREATED", e -> playerId.complete(e.longArg(0)));
    GameClient client;
    String server;
    if (serverName != null) {
      if (wire != GameClient.Profile.NATIVE) {
        throw new CommandFailure("joining by server name needs --profile native");
      }
      server = "'" + serverName + "'";
      try {
        client =
            ConnectorClient.builder(AddressConverter.resolve(connector))
                .build()
                .connectGame(serverName, builder);
      } catch (ConnectorException e) {
        throw new CommandFailure(e.getMessage());
      }
    } else {
      server = Addresses.format(address);
      client = builder.apply(AddressConverter.resolve(address)).build();
      try {
        client.connect();
      } catch (IOException e) {
        throw new CommandFailure(e.getMessage());
      }
    }
    try {
      client.dispatch("JOIN", name);
      long id;
      try {
        id = playerId.get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new CommandFailure("joined " + server + " but got no player id within 10 s");
      }
      terminal.out().println(name + " joined " + server + " as player " + id);
      if (bot) {
        playBot(client, id);
      } else {
        ChaseWindow.play(client, id, name, seconds);
      }
    } finally {
      client.disconnect(shutdownServer);
    }
    return 0;
  }

  private void playBot(GameClient client, long id) {
    long periodNanos = 1_000_000_000L / MOVES_PER_SECOND;
    long start = System.nanoTime();
    long end = seconds > 0 ? start + (long) (seconds * 1e9) : Long.MAX_VALUE;
    long nextLine = start + 1_000_000_000L;
    long next = start;
    while (System.nanoTime() - end < 0 && client.isConnected()) {
      Map<Object, Object> state = client.state();
      double[] to = ChaseBot.step(state, id, 1.0 / MOVES_PER_SECOND);
      if (to != null) {
        client.dispatch("MOVE", id, List.of(to[0], to[1]));
      }
      long now = System.nanoTime();
      if (now - nextLine >= 0) {
        nextLine += 1_000_000_000L;
        terminal.out().println(statusLine(state, id, client.latencyMillis()));
      }
      next += periodNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
      if (Thread.interrupted()) {
        break;
      }
    }
    if (!client.isConnected()) {
      throw new CommandFailure("the server closed the connection");
    }
  }

  static String statusLine(Map<Object, Object> state, long id, double pingMillis) {
    Map<Object, Object> players = ChaseGame.players(state);
    Object chaser = state.get("chaser_id");
    String role = chaser instanceof Long c && c == id ? "chasing" : "fleeing";
    Object chaserName = players.get(chaser) instanceof Map<?, ?> m ? m.get("name") : "nobody";
    return String.format(
        Locale.ROOT,
        "players %d, chaser %s, me %s%s, ping %.1f ms",
        players.size(),
        chaserName,
        role,
        Boolean.TRUE.equals(state.get("protection")) ? " (protected)" : "",
        pingMillis);
  }
}
