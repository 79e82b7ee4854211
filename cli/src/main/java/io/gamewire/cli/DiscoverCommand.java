package io.gamewire.cli;

import io.gamewire.connector.DiscoveredServer;
import io.gamewire.connector.LanAnnouncer;
import io.gamewire.connector.LanDiscovery;
import io.gamewire.transport.Addresses;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gamewire discover [--seconds S] [--json]}: game servers on the local network. */
@Command(
    name = "discover",
    mixinStandardHelpOptions = true,
    description = {
      "Finds game servers on the local network: broadcasts (IPv4) and multicasts (IPv6) a query on"
          + " the discovery port and lists the answers.",
      "With --json: one object {\"servers\": [{\"name\", \"address\", \"game\", \"players\","
          + " \"capacity\"}]}."
    })
public final class DiscoverCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      defaultValue = "2",
      description = "How long to listen for answers (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "" + LanAnnouncer.DEFAULT_PORT,
      description = "The discovery port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--to",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "Ask this address instead of broadcasting (repeatable).")
  List<InetSocketAddress> targets = new ArrayList<>();

  @Option(names = "--json", description = "Print one JSON object instead of lines of text.")
  boolean json;

  private final Terminal terminal;

  public DiscoverCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws IOException {
    if (!(seconds > 0) || seconds > 600) {
      throw new ParameterException(spec.commandLine(), "--seconds must be above 0 and at most 600");
    }
    if (port < 1 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be in 1..65535");
    }
    List<InetSocketAddress> to = new ArrayList<>();
    for (InetSocketAddress t : targets) {
      to.add(AddressConverter.resolve(t));
    }
    if (to.isEmpty()) {
      to = LanDiscovery.defaultTargets(port);
    }
    List<DiscoveredServer> found =
        LanDiscovery.discover(Duration.ofNanos((long) (seconds * 1e9)), to);
    if (json) {
      List<Object> list = new ArrayList<>();
      for (DiscoveredServer s : found) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", s.serverName());
        o.put("address", Addresses.format(s.address()));
        o.put("game", s.game());
        o.put("players", s.players());
        o.put("capacity", s.capacity());
        list.add(o);
      }
      terminal.out().println(Json.write(Map.of("servers", list)));
    } else {
      terminal
          .out()
          .println(found.size() + (found.size() == 1 ? " server" : " servers") + " found");
      for (DiscoveredServer s : found) {
        terminal
            .out()
            .println(
                "  "
                    + printable(s.serverName())
                    + "  "
                    + Addresses.format(s.address())
                    + "  "
                    + (s.game().isEmpty() ? "-" : printable(s.game()))
                    + "  "
                    + s.players()
                    + "/"
                    + s.capacity());
      }
    }
    return Main.EXIT_OK;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
