package io.gamewire.cli;

import io.gamewire.connector.Connector;
import io.gamewire.connector.ConnectorRegistration;
import io.gamewire.demo.TileGame;
import io.gamewire.demo.TileServer;
import io.gamewire.transport.Addresses;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gamewire game-server [--bind ADDR]}: the tile game's server on its own. */
@Command(
    name = "game-server",
    mixinStandardHelpOptions = true,
    description = "Runs the tile game server (the demo's game); stops on Ctrl-C.")
public final class GameServerCommand implements Callable<Integer> {
  @Option(
      names = "--bind",
      defaultValue = "0.0.0.0:7777",
      description = "Where to listen (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--max-players",
      defaultValue = "" + TileGame.DEFAULT_MAX_PLAYERS,
      description = "Players at most (default ${DEFAULT-VALUE}).")
  int maxPlayers;

  @Option(names = "--seed", description = "The world's seed (default: the time).")
  Long seed;

  @Option(
      names = "--seconds",
      description = "Stop after this many seconds (default: run until stopped).")
  double seconds;

  @Option(
      names = "--register",
      paramLabel = "NAME",
      description = "Register with a connector under this name (8 to 64 characters).")
  String register;

  @Option(
      names = "--connector",
      paramLabel = "ADDR",
      description = "The connector to register with, host:port (port 20000 if none).")
  String connector;

  @Mixin LanOptions lan = new LanOptions();

  @Option(
      names = "--lan-name",
      paramLabel = "NAME",
      description =
          "The name LAN discovery lists (default: the --register name, else tiles-HOSTNAME).")
  String lanName;

  private final Terminal terminal;

  public GameServerCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws Exception {
    if (maxPlayers < 1) {
      throw new CommandFailure("--max-players must be at least 1, was " + maxPlayers);
    }
    if ((register == null) != (connector == null)) {
      throw new CommandFailure("--register and --connector go together");
    }
    lan.check();
    String announced = lanName != null ? lanName : register != null ? register : defaultLanName();
    if (announced.isEmpty() || announced.length() > 64) {
      throw new CommandFailure("--lan-name must be 1..64 characters");
    }
    long worldSeed = seed != null ? seed : System.currentTimeMillis();
    java.util.concurrent.atomic.AtomicReference<TileServer> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    InetSocketAddress via =
        connector == null ? null : Addresses.resolve(connector, Connector.DEFAULT_PORT);
    ConnectorRegistration registration =
        register == null
            ? null
            : ConnectorRegistration.builder(register, via)
                .freeSlots(() -> self.get() == null || self.get().players() < maxPlayers)
                .build();
    UnaryOperator<io.gamewire.transport.GameServer.Builder> extras =
        registration == null ? UnaryOperator.identity() : b -> b.sideProtocol(registration);
    try (TileServer server = DemoCommand.startServer(bind, worldSeed, maxPlayers, extras)) {
      self.set(server);
      Thread hook = new Thread(server::close, "gamewire-game-server-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      terminal
          .out()
          .printf(
              Locale.ROOT,
              "tile game server listening on %s (seed %d, at most %d players)%n",
              Addresses.format(server.localAddress()),
              worldSeed,
              maxPlayers);
      lan.announce(server, announced, terminal.out());
      if (registration != null) {
        try {
          registration.registered().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new CommandFailure(
              "cannot register '" + register + "' with " + Addresses.format(via) + ": " + e);
        }
        terminal.out().println("registered as '" + register + "' with " + Addresses.format(via));
      }
      try {
        server
            .server()
            .awaitStop(
                seconds > 0 ? (long) (seconds * 1000) : Long.MAX_VALUE, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // asked to stop: close and say so
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
          // the JVM is exiting already
        }
      }
    }
    terminal.out().println("tile game server stopped");
    return Main.EXIT_OK;
  }

  /** tiles-HOSTNAME, from the environment (no name lookup that could stall on a bad resolver). */
  private static String defaultLanName() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      host = System.getenv("COMPUTERNAME");
    }
    String name = "tiles-" + (host == null || host.isBlank() ? "server" : host.strip());
    return name.length() > 64 ? name.substring(0, 64) : name;
  }
}
