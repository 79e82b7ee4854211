package io.gamewire.cli.examples;

import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The chat example's packets, after peng3dnet's simplechat example: maps with string keys.
 *
 * <table>
 *   <caption>Packets</caption>
 *   <tr><th>name</th><th>client sends</th><th>server sends</th></tr>
 *   <tr><td>{@code chat:join}</td><td>{@code {nickname}}</td><td>-</td></tr>
 *   <tr><td>{@code chat:message}</td><td>{@code {message, timestamp}}</td>
 *       <td>{@code {message, timestamp, nickname, origin, internal}} to every classic client;
 *       {@code origin} repeats the nickname for peng3dnet's client, and {@code internal} marks
 *       the server's own notices (joins and leaves)</td></tr>
 * </table>
 *
 * <p>Ids follow peng3dnet's simplechat: {@code chat:message} is 64, {@code chat:join} 65.
 *
 * <p>The server's ping data holds {@code users} (how many have joined) and {@code usersample} (up
 * to ten nicknames).
 */
public final class ChatProtocol {
  public static final PacketRegistry REGISTRY;
  public static final PacketType<Map<Object, Object>> JOIN;
  public static final PacketType<Map<Object, Object>> MESSAGE;

  public static final int MAX_NICKNAME_CHARS = 32;
  public static final int MAX_MESSAGE_CHARS = 1000;
  static final String SERVER_NICKNAME = "server";

  static {
    PacketRegistry.Builder b = PacketRegistry.builder();
    // peng3dnet's simplechat registers chat:message (64) before chat:join (65). Ids must match: our
    // client's default sync (STRICT) refuses other ids, and peng3dnet's auto-sync loses a packet
    // when two ids are swapped.
    MESSAGE = b.register("chat:message", PacketCodec.map());
    JOIN = b.register("chat:join", PacketCodec.map());
    REGISTRY = b.build();
  }

  private ChatProtocol() {}

  static Map<Object, Object> join(String nickname) {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("nickname", nickname);
    return m;
  }

  static Map<Object, Object> message(String text, double nowSeconds) {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("message", text);
    m.put("timestamp", nowSeconds);
    return m;
  }

  /** A user's message as the server relays it. */
  static Map<Object, Object> relayed(String nickname, String text, double timestamp) {
    Map<Object, Object> m = message(text, timestamp);
    m.put("nickname", nickname);
    m.put("origin", nickname);
    m.put("internal", false);
    return m;
  }

  /** A notice from the server itself. */
  static Map<Object, Object> notice(String text, double nowSeconds) {
    Map<Object, Object> m = relayed(SERVER_NICKNAME, text, nowSeconds);
    m.put("internal", true);
    return m;
  }

  /** Whether {@code s} may be a nickname: 1 to 32 characters, none of them control or blank. */
  static boolean isValidNickname(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_NICKNAME_CHARS) {
      return false;
    }
    return s.chars().noneMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c));
  }

  /** The nickname a join asks for, or null if it is missing or not a valid nickname. */
  static String nicknameOf(Map<Object, Object> join) {
    return join.get("nickname") instanceof String s && isValidNickname(s) ? s : null;
  }

  /** A message's text, or null if it is missing, empty or longer than the limit. */
  static String textOf(Map<Object, Object> message) {
    return message.get("message") instanceof String s
            && !s.isBlank()
            && s.length() <= MAX_MESSAGE_CHARS
        ? s
        : null;
  }

  static double timestampOf(Map<Object, Object> message, double fallback) {
    return message.get("timestamp") instanceof Number n && Double.isFinite(n.doubleValue())
        ? n.doubleValue()
        : fallback;
  }

  /** Who a relayed message is from: {@code nickname}, else peng3dnet's {@code origin}. */
  static String senderOf(Map<Object, Object> message) {
    Object who = message.get("nickname");
    if (!(who instanceof String)) {
      who = message.get("origin");
    }
    return who instanceof String s ? s : "anonymous";
  }

  /** A received message as the client prints it: {@code [nick] text}, notices as {@code * text}. */
  static String format(Map<Object, Object> message) {
    String text = message.get("message") instanceof String s ? s : "";
    if (Boolean.TRUE.equals(message.get("internal"))) {
      return "* " + TerminalText.safe(text);
    }
    return "[" + TerminalText.safe(senderOf(message)) + "] " + TerminalText.safe(text);
  }
}
