package io.gamewire.cli;

import io.gamewire.protocol.packet.PingReply;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.PacketClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gamewire ping ADDR}: one {@code ping} connection to a Gamewire or peng3dnet server, then
 * the round trip and the server's ping data. With {@code --json}, exactly one JSON object.
 */
@Command(
    name = "ping",
    mixinStandardHelpOptions = true,
    description = {
      "Pings a Gamewire or peng3dnet server: prints the round trip in milliseconds and the"
          + " server's ping data.",
      "With --json: one object {\"address\", \"delayMillis\", \"data\"}; byte strings in the data"
          + " are written as base64."
    })
public final class PingCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "The server: " + AddressConverter.HELP + ".")
  InetSocketAddress address;

  @Option(names = "--json", description = "Print one JSON object instead of lines of text.")
  boolean json;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "How long to wait for the connection and the answer (default: 5).")
  double timeoutSeconds;

  private final Terminal terminal;

  public PingCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws IOException {
    if (!(timeoutSeconds > 0) || timeoutSeconds > 3600) {
      throw new ParameterException(
          spec.commandLine(), "--timeout must be above 0 and at most 3600 seconds");
    }
    InetSocketAddress target = AddressConverter.resolve(address);
    PingReply reply;
    try {
      reply = PacketClient.ping(target, Duration.ofNanos((long) (timeoutSeconds * 1e9)), null);
    } catch (IOException e) {
      String where = Addresses.format(target);
      if (e.getMessage() == null || e.getMessage().contains(where)) {
        throw e;
      }
      throw new CommandFailure("pinging " + where + " failed: " + e.getMessage());
    }
    terminal.out().println(json ? toJson(target, reply) : toText(target, reply));
    return Main.EXIT_OK;
  }

  /** The reply as one JSON object; keys of the data sorted, so the output is stable. */
  public static String toJson(InetSocketAddress target, PingReply reply) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("address", Addresses.format(target));
    o.put("delayMillis", Math.round(reply.delayMillis() * 1000) / 1000.0);
    o.put("data", sorted(reply.data()));
    return Json.write(o);
  }

  /** The reply as a first line with the round trip and one line per ping data key. */
  public static String toText(InetSocketAddress target, PingReply reply) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s answered in %.2f ms",
                Addresses.format(target),
                reply.delayMillis()));
    sorted(reply.data())
        .forEach(
            (k, v) ->
                sb.append(System.lineSeparator())
                    .append("  ")
                    .append(k)
                    .append(": ")
                    .append(Json.write(v)));
    return sb.toString();
  }

  private static Map<String, Object> sorted(Map<?, ?> data) {
    Map<String, Object> m = new TreeMap<>();
    data.forEach((k, v) -> m.put(String.valueOf(k), v));
    return m;
  }
}
