package io.gamewire.connector.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The connector's message set: lan-caster's messages (engine/messages.py, spec section 2) and
 * Gamewire's extensions, each a list of fields with a kind and a range. The tables are in
 * docs/CONNECTOR.md. A message is valid when it has every required field with the right kind and
 * range and no field beyond its list, {@code msgID} and {@code replyData}.
 */
public final class MessageSchema {

  /** What a field holds on the wire and how its range is read. */
  public enum Kind {
    /** A str; min..max is its length in code points, as Python's len counts. */
    STRING,
    /** A str holding dotted IPv4 ({@code 127.0.0.1}), 7..15 chars. */
    IPV4,
    /** A str holding dotted IPv4 or an IPv6 literal (Gamewire extensions only). */
    IP,
    /** An int in 1..65000, lan-caster's port range. */
    PORT,
    /** An int in min..max. */
    INT,
    /** A float32 or float64. */
    FLOAT,
    BOOL,
    /** A bin of min..max bytes. */
    BINARY,
    /** A map of str to str: at most max entries, keys 1..32, values 0..128 code points. */
    STRING_MAP,
    /** An array of at most max server entries ({@link #SERVER_ENTRY}). */
    SERVER_LIST
  }

  /** One field: required unless {@code optional}. */
  public record Field(String name, Kind kind, long min, long max, boolean optional) {}

  public static final String MSG_ID = "msgID";
  public static final String REPLY_DATA = "replyData";

  public static final int NAME_MIN = 8;
  public static final int NAME_MAX = 64;
  public static final int MIN_PORT = 1;
  public static final int MAX_PORT = 65000;
  public static final int METADATA_KEY_MAX = 32;
  public static final int METADATA_VALUE_MAX = 128;
  public static final int METADATA_MAX_ENTRIES = 8;
  public static final int MAX_LIST_ENTRIES = 64;
  public static final int MAX_PAD_BYTES = 1400;

  // lan-caster's types, spelled as on the wire.
  public static final String ADD_SERVER = "addServer";
  public static final String SERVER_ADDED = "serverAdded";
  public static final String DEL_SERVER = "delServer";
  public static final String SERVER_DELETED = "serverDeleted";
  public static final String GET_CONNET_INFO = "getConnetInfo";
  public static final String GET_CONNECT_INFO = "getConnectInfo";
  public static final String CONNECT_INFO = "connectInfo";
  public static final String UDP_PUNCH_THROUGH = "udpPunchThrough";
  public static final String JOIN_REQUEST = "joinRequest";
  public static final String JOIN_REPLY = "joinReply";
  public static final String ERROR = "Error";

  // Gamewire's extensions; original peers never send them.
  public static final String GW_ADD_SERVER = "gwAddServer";
  public static final String GW_GET_CONNECT_INFO = "gwGetConnectInfo";
  public static final String GW_CONNECT_INFO = "gwConnectInfo";
  public static final String LIST_SERVERS = "listServers";
  public static final String LIST_TOKEN = "listToken";
  public static final String SERVER_LIST = "serverList";
  public static final String DISCOVER = "discover";
  public static final String SERVER_HERE = "serverHere";

  /** The fields of one entry of a {@code serverList}. */
  public static final List<Field> SERVER_ENTRY =
      List.of(
          req("serverName", Kind.STRING, NAME_MIN, NAME_MAX),
          req("game", Kind.STRING, 0, 32),
          req("players", Kind.INT, 0, 65535),
          req("capacity", Kind.INT, 0, 65535),
          req("metadata", Kind.STRING_MAP, 0, METADATA_MAX_ENTRIES));

  private static final Map<String, List<Field>> TYPES = new HashMap<>();

  static {
    Field serverName = req("serverName", Kind.STRING, NAME_MIN, NAME_MAX);
    define(
        ADD_SERVER,
        serverName,
        req("serverPrivateIP", Kind.IPV4, 7, 15),
        req("serverPrivatePort", Kind.PORT, MIN_PORT, MAX_PORT));
    define(SERVER_ADDED);
    define(DEL_SERVER, serverName);
    define(SERVER_DELETED);
    List<Field> getInfo =
        List.of(
            serverName,
            req("clientPrivateIP", Kind.IPV4, 7, 15),
            req("clientPrivatePort", Kind.PORT, MIN_PORT, MAX_PORT));
    TYPES.put(GET_CONNET_INFO, getInfo);
    TYPES.put(GET_CONNECT_INFO, getInfo);
    define(CONNECT_INFO, connectInfoFields(Kind.IPV4, 7, 15));
    define(UDP_PUNCH_THROUGH);
    define(
        JOIN_REQUEST,
        req("game", Kind.STRING, 1, 32),
        req("playerDisplayName", Kind.STRING, 1, 16));
    define(
        JOIN_REPLY,
        req("playerNumber", Kind.INT, Long.MIN_VALUE, Long.MAX_VALUE),
        req("serverSec", Kind.FLOAT, 0, 0),
        req("testMode", Kind.BOOL, 0, 0));
    // The original does not bound it; 256 covers every text it sends.
    define(ERROR, req("result", Kind.STRING, 0, 256));

    define(
        GW_ADD_SERVER,
        serverName,
        req("serverPrivateIP", Kind.IP, 2, 45),
        req("serverPrivatePort", Kind.PORT, MIN_PORT, MAX_PORT),
        req("game", Kind.STRING, 0, 32),
        req("players", Kind.INT, 0, 65535),
        req("capacity", Kind.INT, 0, 65535),
        opt("metadata", Kind.STRING_MAP, 0, METADATA_MAX_ENTRIES));
    define(
        GW_GET_CONNECT_INFO,
        serverName,
        req("clientPrivateIP", Kind.IP, 2, 45),
        req("clientPrivatePort", Kind.PORT, MIN_PORT, MAX_PORT),
        opt("pad", Kind.BINARY, 0, MAX_PAD_BYTES));
    define(GW_CONNECT_INFO, connectInfoFields(Kind.IP, 2, 45));
    define(
        LIST_SERVERS,
        req("start", Kind.INT, 0, 1_000_000),
        req("maxBytes", Kind.INT, 128, 1400),
        opt("token", Kind.INT, Long.MIN_VALUE, Long.MAX_VALUE),
        opt("pad", Kind.BINARY, 0, MAX_PAD_BYTES));
    define(LIST_TOKEN, req("token", Kind.INT, Long.MIN_VALUE, Long.MAX_VALUE));
    define(
        SERVER_LIST,
        req("servers", Kind.SERVER_LIST, 0, MAX_LIST_ENTRIES),
        req("next", Kind.INT, -1, 1_000_000),
        req("total", Kind.INT, 0, 1_000_000));
  }

  static {
    // LAN discovery: a query on the known port, answered only if the answer is no larger.
    define(
        DISCOVER,
        req("nonce", Kind.INT, Long.MIN_VALUE, Long.MAX_VALUE),
        opt("pad", Kind.BINARY, 0, MAX_PAD_BYTES));
    define(
        SERVER_HERE,
        req("nonce", Kind.INT, Long.MIN_VALUE, Long.MAX_VALUE),
        req("serverName", Kind.STRING, 1, NAME_MAX),
        req("port", Kind.PORT, MIN_PORT, MAX_PORT),
        req("game", Kind.STRING, 0, 32),
        req("players", Kind.INT, 0, 65535),
        req("capacity", Kind.INT, 0, 65535));
  }

  private MessageSchema() {}

  private static Field[] connectInfoFields(Kind ip, int min, int max) {
    return new Field[] {
      req("serverName", Kind.STRING, NAME_MIN, NAME_MAX),
      req("clientPrivateIP", ip, min, max),
      req("clientPrivatePort", Kind.PORT, MIN_PORT, MAX_PORT),
      req("serverPrivateIP", ip, min, max),
      req("serverPrivatePort", Kind.PORT, MIN_PORT, MAX_PORT),
      req("clientPublicIP", ip, min, max),
      req("clientPublicPort", Kind.PORT, MIN_PORT, MAX_PORT),
      req("serverPublicIP", ip, min, max),
      req("serverPublicPort", Kind.PORT, MIN_PORT, MAX_PORT)
    };
  }

  private static Field req(String name, Kind kind, long min, long max) {
    return new Field(name, kind, min, max, false);
  }

  private static Field opt(String name, Kind kind, long min, long max) {
    return new Field(name, kind, min, max, true);
  }

  private static void define(String type, Field... fields) {
    TYPES.put(type, List.of(fields));
  }

  /** The fields of {@code type}, or null for a type nobody defined. */
  public static List<Field> fieldsOf(String type) {
    return TYPES.get(type);
  }

  /**
   * Checks a decoded map against the schema of its type and returns it as a message, or throws
   * {@link InvalidMessageException} naming the first problem.
   */
  public static ConnectorMessage validate(Map<?, ?> map) throws InvalidMessageException {
    if (!(map.get("type") instanceof String type)) {
      throw new InvalidMessageException("no str 'type'");
    }
    List<Field> fields = TYPES.get(type);
    if (fields == null) {
      throw new InvalidMessageException("unknown type " + quote(type));
    }
    ConnectorMessage message = ConnectorMessage.of(type);
    int known = 1;
    for (Field f : fields) {
      Object value = map.get(f.name());
      if (value == null) {
        if (map.containsKey(f.name()) || !f.optional()) {
          throw new InvalidMessageException(type + " lacks '" + f.name() + "'");
        }
        continue;
      }
      check(type, f, value);
      message.put(f.name(), value);
      known++;
    }
    if (map.containsKey(MSG_ID)) {
      if (!(map.get(MSG_ID) instanceof Long id)) {
        throw new InvalidMessageException("msgID is not an int");
      }
      message.msgId(id);
      known++;
    }
    if (map.containsKey(REPLY_DATA)) {
      message.replyData(map.get(REPLY_DATA));
      known++;
    }
    if (known != map.size()) {
      for (Object key : map.keySet()) {
        if (!"type".equals(key)
            && !MSG_ID.equals(key)
            && !REPLY_DATA.equals(key)
            && !message.has(String.valueOf(key))) {
          throw new InvalidMessageException(
              type + " has a field it should not have: " + quote(String.valueOf(key)));
        }
      }
      throw new InvalidMessageException(type + " has a field it should not have");
    }
    return message;
  }

  /** Checks one value; also used on messages this side builds, before they are encoded. */
  static void check(String type, Field f, Object value) throws InvalidMessageException {
    String where = type + "." + f.name();
    switch (f.kind()) {
      case STRING -> checkString(where, value, f.min(), f.max());
      case IPV4 -> {
        checkString(where, value, f.min(), f.max());
        if (!isDottedIpv4((String) value)) {
          throw new InvalidMessageException(where + " is not a dotted IPv4 address");
        }
      }
      case IP -> {
        checkString(where, value, f.min(), f.max());
        String s = (String) value;
        if (!isDottedIpv4(s) && !isIpv6Literal(s)) {
          throw new InvalidMessageException(where + " is not an IPv4 or IPv6 address");
        }
      }
      case PORT, INT -> {
        if (!(value instanceof Long v)) {
          throw new InvalidMessageException(where + " is not an int");
        }
        if (v < f.min() || v > f.max()) {
          throw new InvalidMessageException(
              where + " = " + v + " is outside " + f.min() + ".." + f.max());
        }
      }
      case FLOAT -> {
        if (!(value instanceof Double)) {
          throw new InvalidMessageException(where + " is not a float");
        }
      }
      case BOOL -> {
        if (!(value instanceof Boolean)) {
          throw new InvalidMessageException(where + " is not a bool");
        }
      }
      case BINARY -> {
        if (!(value instanceof byte[] b) || b.length < f.min() || b.length > f.max()) {
          throw new InvalidMessageException(
              where + " is not a bin of " + f.max() + " bytes at most");
        }
      }
      case STRING_MAP -> {
        if (!(value instanceof Map<?, ?> m) || m.size() > f.max()) {
          throw new InvalidMessageException(
              where + " is not a map of at most " + f.max() + " entries");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
          checkString(where + " key", e.getKey(), 1, METADATA_KEY_MAX);
          checkString(where + " value", e.getValue(), 0, METADATA_VALUE_MAX);
        }
      }
      case SERVER_LIST -> {
        if (!(value instanceof List<?> list) || list.size() > f.max()) {
          throw new InvalidMessageException(
              where + " is not an array of at most " + f.max() + " entries");
        }
        for (Object entry : list) {
          if (!(entry instanceof Map<?, ?> m) || m.size() != SERVER_ENTRY.size()) {
            throw new InvalidMessageException(where + " has an entry that is not a server map");
          }
          for (Field ef : SERVER_ENTRY) {
            Object v = m.get(ef.name());
            if (v == null) {
              throw new InvalidMessageException(where + " entry lacks '" + ef.name() + "'");
            }
            check(where, ef, v);
          }
        }
      }
    }
  }

  private static void checkString(String where, Object value, long min, long max)
      throws InvalidMessageException {
    if (!(value instanceof String s)) {
      throw new InvalidMessageException(where + " is not a str");
    }
    // Cheap bound first: a code point takes at most 2 chars.
    if (s.length() > 2 * max) {
      throw new InvalidMessageException(where + " is longer than " + max);
    }
    int length = s.codePointCount(0, s.length());
    if (length < min || length > max) {
      throw new InvalidMessageException(
          where + " has length " + length + ", outside " + min + ".." + max);
    }
  }

  /** Four decimal octets 0..255 without leading zeros, as Python's socket module prints them. */
  public static boolean isDottedIpv4(String s) {
    int octets = 0;
    int i = 0;
    int n = s.length();
    while (i <= n) {
      int start = i;
      int value = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
        if (i - start > 3) {
          return false;
        }
      }
      int digits = i - start;
      if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
        return false;
      }
      octets++;
      if (i == n) {
        break;
      }
      if (s.charAt(i) != '.' || octets == 4) {
        return false;
      }
      i++;
    }
    return octets == 4;
  }

  /**
   * An IPv6 literal without zone: hex digits, colons, and a dotted IPv4 tail. Parsing a string that
   * contains a colon never consults DNS.
   */
  public static boolean isIpv6Literal(String s) {
    if (s.length() < 2 || s.length() > 45 || s.indexOf(':') < 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F')
              || c == ':'
              || c == '.';
      if (!ok) {
        return false;
      }
    }
    try {
      return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  static String quote(String wire) {
    StringBuilder q = new StringBuilder("'");
    int end = Math.min(wire.length(), 40);
    for (int i = 0; i < end; i++) {
      char c = wire.charAt(i);
      q.append(Character.isISOControl(c) ? '?' : c);
    }
    return q.append(end < wire.length() ? "...'" : "'").toString();
  }
}
