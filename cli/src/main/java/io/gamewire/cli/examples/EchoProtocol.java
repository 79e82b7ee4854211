package io.gamewire.cli.examples;

import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The echo example's packets, as peng3dnet's echo example defines them, so Python peers can take
 * either side.
 *
 * <table>
 *   <caption>Packets</caption>
 *   <tr><th>name</th><th>body</th><th>server does</th></tr>
 *   <tr><td>{@code echo:echo}</td><td>string</td><td>sends it back; {@code stop} closes that
 *       connection with reason {@code command} and shuts the server down</td></tr>
 *   <tr><td>{@code echo:ping}</td><td>map with {@code client_timestamp} (float seconds)</td>
 *       <td>adds {@code server_timestamp} and sends the map back</td></tr>
 * </table>
 */
public final class EchoProtocol {
  public static final PacketRegistry REGISTRY;
  public static final PacketType<String> ECHO;
  public static final PacketType<Map<Object, Object>> PING;

  /** The echo text that stops the server. */
  public static final String STOP = "stop";

  /** The close reason the connection that sent {@link #STOP} gets. */
  public static final String STOP_REASON = "command";

  static final String CLIENT_TIMESTAMP = "client_timestamp";
  static final String SERVER_TIMESTAMP = "server_timestamp";

  static {
    PacketRegistry.Builder b = PacketRegistry.builder();
    ECHO = b.register("echo:echo", PacketCodec.string());
    PING = b.register("echo:ping", PacketCodec.map());
    REGISTRY = b.build();
  }

  private EchoProtocol() {}

  static Map<Object, Object> pingRequest(double nowSeconds) {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put(CLIENT_TIMESTAMP, nowSeconds);
    return m;
  }

  /** The server's answer: the request with the server's time added. */
  static Map<Object, Object> pingAnswer(Map<Object, Object> request, double nowSeconds) {
    Map<Object, Object> m = new LinkedHashMap<>(request);
    m.put(SERVER_TIMESTAMP, nowSeconds);
    return m;
  }

  /** One line on an answer arriving at {@code nowSeconds}: the round trip and its two halves. */
  static String describeAnswer(Map<Object, Object> answer, double nowSeconds) {
    if (!(answer.get(CLIENT_TIMESTAMP) instanceof Number sent)) {
      return "ping: the answer has no client_timestamp";
    }
    double c = sent.doubleValue();
    String line = String.format(Locale.ROOT, "ping: %.2f ms round trip", (nowSeconds - c) * 1000);
    if (answer.get(SERVER_TIMESTAMP) instanceof Number at) {
      double s = at.doubleValue();
      // The halves compare two clocks, so they only mean something when both sides share one.
      line +=
          String.format(
              Locale.ROOT,
              " (%.2f ms to the server, %.2f ms back)",
              (s - c) * 1000,
              (nowSeconds - s) * 1000);
    }
    return line;
  }
}
