package io.gamewire.cli;

import io.gamewire.connector.ConnectorClient;
import io.gamewire.connector.ConnectorException;
import io.gamewire.connector.ServerInfo;
import io.gamewire.transport.Addresses;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gamewire servers CONNECTOR_ADDR [--json]}: the server list of a Gamewire connector. */
@Command(
    name = "servers",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the game servers registered with a Gamewire connector: name, game, players,"
          + " capacity, metadata.",
      "With --json: one object {\"connector\", \"servers\": [{\"name\", \"game\", \"players\","
          + " \"capacity\", \"metadata\"}]}."
    })
public final class ServersCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "CONNECTOR_ADDR",
      converter = ConnectorAddressConverter.class,
      description = "The connector: " + ConnectorAddressConverter.HELP + ".")
  InetSocketAddress connector;

  @Option(names = "--json", description = "Print one JSON object instead of lines of text.")
  boolean json;

  private final Terminal terminal;

  public ServersCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws ConnectorException {
    InetSocketAddress target = AddressConverter.resolve(connector);
    List<ServerInfo> servers = ConnectorClient.builder(target).build().listServers();
    if (json) {
      List<Object> list = new ArrayList<>();
      for (ServerInfo s : servers) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", s.serverName());
        o.put("game", s.game());
        o.put("players", s.players());
        o.put("capacity", s.capacity());
        o.put("metadata", new TreeMap<>(s.metadata()));
        list.add(o);
      }
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("connector", Addresses.format(target));
      o.put("servers", list);
      terminal.out().println(Json.write(o));
    } else {
      terminal
          .out()
          .println(
              servers.size()
                  + (servers.size() == 1 ? " server" : " servers")
                  + " on connector "
                  + Addresses.format(target));
      for (ServerInfo s : servers) {
        StringBuilder line =
            new StringBuilder("  ")
                .append(printable(s.serverName()))
                .append("  ")
                .append(s.game().isEmpty() ? "-" : printable(s.game()))
                .append("  ")
                .append(s.players())
                .append('/')
                .append(s.capacity());
        new TreeMap<>(s.metadata())
            .forEach(
                (k, v) -> line.append("  ").append(printable(k)).append('=').append(printable(v)));
        terminal.out().println(line);
      }
    }
    return Main.EXIT_OK;
  }

  /** Names come from the wire: no control characters reach the terminal. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
