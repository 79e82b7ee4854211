package io.gamewire.cli;

import io.gamewire.connector.LanAnnouncer;
import io.gamewire.demo.LanDialer;
import io.gamewire.demo.LinkFigures;
import io.gamewire.demo.TileBot;
import io.gamewire.demo.TileClient;
import io.gamewire.demo.TileWindow;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.RealtimeServer;
import java.awt.GraphicsEnvironment;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gamewire game-client (ADDR | --server-name NAME --connector ADDR | --lan [NAME]) --name
 * NAME [--bot]}: joins a tile game server.
 */
@Command(
    name = "game-client",
    mixinStandardHelpOptions = true,
    description = "Joins a tile game server in a window, or headless as a bot with --bot.")
public final class GameClientCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ADDR",
      description = "The server, host:port (port 7777 if none).")
  String address;

  @Option(
      names = "--server-name",
      paramLabel = "NAME",
      description = "Join the server registered under this name (with --connector), not ADDR.")
  String serverName;

  @Option(
      names = "--connector",
      paramLabel = "ADDR",
      description = "The connector to ask for --server-name, host:port (port 20000 if none).")
  String connector;

  @Option(
      names = "--lan",
      arity = "0..1",
      fallbackValue = "",
      paramLabel = "NAME",
      description =
          "Join the server announced on the LAN under NAME; without NAME, the first tile server"
              + " found.")
  String lan;

  @Option(
      names = "--lan-port",
      paramLabel = "PORT",
      defaultValue = "" + LanAnnouncer.DEFAULT_PORT,
      description = "The LAN discovery port to query (default ${DEFAULT-VALUE}).")
  int lanPort;

  @Option(
      names = "--name",
      required = true,
      description = "Your player name (1..16 letters, digits, _ or -).")
  String name;

  @Option(names = "--bot", description = "Play headless as a bot, printing a line per second.")
  boolean bot;

  @Option(
      names = "--mode",
      defaultValue = "wander",
      description = "The bot's play: wander, chase or break (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--seconds",
      description = "Leave after this many seconds (default: play until stopped).")
  double seconds;

  /** host:port, [v6]:port or a dotted IPv4 address: not what server names usually look like. */
  private static final Pattern ADDRESS_LIKE =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]+):\\d{1,5}|\\d{1,3}(\\.\\d{1,3}){3}");

  private final Terminal terminal;

  public GameClientCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws Exception {
    if (!bot && GraphicsEnvironment.isHeadless()) {
      throw new CommandFailure("no display for the window client; run with --bot to play headless");
    }
    TileBot.Mode botMode;
    try {
      botMode = TileBot.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandFailure("--mode is wander, chase or break, not '" + mode + "'");
    }
    int ways = (address != null ? 1 : 0) + (serverName != null ? 1 : 0) + (lan != null ? 1 : 0);
    if (ways != 1 || (serverName == null) != (connector == null)) {
      throw new CommandFailure(
          "give either ADDR, --server-name NAME with --connector ADDR, or --lan [NAME]");
    }
    if (lanPort < 1 || lanPort > 65535) {
      throw new CommandFailure("--lan-port must be in 1..65535, was " + lanPort);
    }
    TileClient.Dialer dialer =
        lan != null
            ? new LanDialer(
                lan.isEmpty() ? null : lan, LanDialer.targets(lanPort), LanDialer.DEFAULT_WAIT)
            : serverName != null
                ? DemoCommand.byName(
                    Addresses.resolve(connector, io.gamewire.connector.Connector.DEFAULT_PORT),
                    serverName)
                : TileClient.direct(Addresses.resolve(address, RealtimeServer.DEFAULT_PORT));
    try (TileClient me = join(dialer)) {
      terminal.out().println(name + " joined " + dialer.describe() + " as player " + me.id());
      if (bot) {
        playBot(new TileBot(me, botMode, System.nanoTime()));
      } else {
        TileWindow.play(me, seconds);
      }
    }
    return Main.EXIT_OK;
  }

  /**
   * Joins through {@code dialer}. {@code --lan} takes an optional NAME, so an address written after
   * it is read as a server name; when no server of that name is found, the error says so.
   */
  private TileClient join(TileClient.Dialer dialer) {
    try {
      return DemoCommand.join(dialer, name);
    } catch (CommandFailure e) {
      if (lan != null && ADDRESS_LIKE.matcher(lan).matches()) {
        throw new CommandFailure(
            e.getMessage()
                + "; '"
                + lan
                + "' looks like an address: to join it, give it as ADDR without --lan");
      }
      throw e;
    }
  }

  private void playBot(TileBot bot) {
    TileClient me = bot.player();
    LinkFigures figures = new LinkFigures(me.client());
    long period = 1_000_000_000L / 20;
    long start = System.nanoTime();
    long end = seconds > 0 ? start + (long) (seconds * 1e9) : Long.MAX_VALUE;
    long nextLine = start + 1_000_000_000L;
    long last = start;
    long next = start;
    while (System.nanoTime() - end < 0 && me.isConnected()) {
      long now = System.nanoTime();
      bot.step((now - last) / 1e9, now);
      last = now;
      if (now - nextLine >= 0) {
        nextLine += 1_000_000_000L;
        figures.sample(now);
        terminal.out().println((me.others().size() + 1) + " players | " + figures.line());
      }
      next += period;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
      if (Thread.interrupted()) {
        return;
      }
    }
    if (!me.isConnected()) {
      throw new CommandFailure("the server closed the connection");
    }
  }
}
