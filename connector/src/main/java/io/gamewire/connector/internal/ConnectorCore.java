package io.gamewire.connector.internal;

import static io.gamewire.connector.internal.MessageSchema.*;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The connector's rules as a sans-I/O state machine: datagrams and the time go in through {@link
 * #handleDatagram}, datagrams to send come out of {@link #pollDatagram}. No sockets, threads or
 * clock reads. Single-threaded.
 *
 * <p>Rules (docs/CONNECTOR.md): at most {@code maxServers} names; an entry expires {@code expiry}
 * after its last addServer; the same name from the same public endpoint refreshes it; only that
 * endpoint may delete it; getConnetInfo sends connectInfo to the server (without msgID) and then to
 * the client (with the request's msgID). Every request is answered at once.
 *
 * <p>Abuse: requests are rate-limited per IP in a table of bounded size; a reply (with the copy to
 * the server) larger than its request is paid for from one global budget of excess bytes, so bytes
 * out never exceed bytes in by more than that budget; the server list goes only to an address that
 * echoed a stateless token, and never exceeds the request's {@code maxBytes}; anything malformed is
 * counted and dropped.
 *
 * <p>{@link #close} releases the codec's native zlib state.
 */
public final class ConnectorCore implements AutoCloseable {

  /** Tunables; {@link #defaults()} are the lan-caster values plus the abuse limits. */
  public record Config(
      int maxServers,
      long expiryNanos,
      double requestsPerSecond,
      int requestBurst,
      int maxTrackedAddresses,
      double excessBytesPerSecond,
      int excessBurstBytes,
      double connectInfosPerServerPerSecond) {

    public static Config defaults() {
      return new Config(100, 30_000_000_000L, 20, 40, 4096, 4096, 16 * 1024, 10);
    }

    public Config {
      if (maxServers < 1 || maxServers > 100_000) {
        throw new IllegalArgumentException("maxServers must be in 1..100000, was " + maxServers);
      }
      if (expiryNanos <= 0) {
        throw new IllegalArgumentException("expiry must be positive");
      }
      if (requestsPerSecond <= 0 || requestBurst < 1 || maxTrackedAddresses < 1) {
        throw new IllegalArgumentException("rate limits must be positive");
      }
      if (excessBytesPerSecond < 0 || excessBurstBytes < 0 || connectInfosPerServerPerSecond <= 0) {
        throw new IllegalArgumentException("amplification limits must not be negative");
      }
    }

    public Config withMaxServers(int n) {
      return new Config(
          n,
          expiryNanos,
          requestsPerSecond,
          requestBurst,
          maxTrackedAddresses,
          excessBytesPerSecond,
          excessBurstBytes,
          connectInfosPerServerPerSecond);
    }

    public Config withRate(double perSecond, int burst) {
      return new Config(
          maxServers,
          expiryNanos,
          perSecond,
          burst,
          maxTrackedAddresses,
          excessBytesPerSecond,
          excessBurstBytes,
          connectInfosPerServerPerSecond);
    }
  }

  /** One datagram to send. */
  public record Outgoing(InetSocketAddress to, byte[] datagram) {}

  /** Counters since start. */
  public record Stats(
      long received,
      long malformed,
      long rateLimited,
      long amplificationDropped,
      long ignored,
      long sent,
      long bytesIn,
      long bytesOut,
      int servers) {}

  /** A registered server as the list shows it. */
  public record Listing(
      String serverName, String game, int players, int capacity, Map<String, String> metadata) {}

  static final class Entry {
    final String name;
    final InetSocketAddress publicEndpoint;
    String privateIp;
    int privatePort;
    String game = "";
    int players;
    int capacity;
    Map<String, String> metadata = Map.of();
    long expiresAt;
    final TokenBucket connectInfos;

    Entry(String name, InetSocketAddress publicEndpoint, TokenBucket connectInfos) {
      this.name = name;
      this.publicEndpoint = publicEndpoint;
      this.connectInfos = connectInfos;
    }
  }

  public static final String ERR_NAME_TAKEN =
      "A server with that name is already registered. Choose a different name.";
  public static final String ERR_FULL = "Max servers already registered.";
  public static final String ERR_DENIED = "Permission Denied.";
  public static final String ERR_UNKNOWN = "Server is not registered.";

  /** Gamewire's own: a lan-caster peer asked about a server it cannot reach over IPv4. */
  public static final String ERR_NOT_IPV4 = "Server is not reachable over IPv4.";

  private final Config config;
  private final ConnectorCodec codec = new ConnectorCodec(4096);
  private final ListTokens tokens;
  // Sorted so a page of the list is stable between requests.
  private final TreeMap<String, Entry> servers = new TreeMap<>();
  private final LinkedHashMap<InetAddress, TokenBucket> rates;
  private final TokenBucket excessBudget;
  private final ArrayDeque<Outgoing> out = new ArrayDeque<>();

  private long received;
  private long malformed;
  private long rateLimited;
  private long amplificationDropped;
  private long ignored;
  private long sent;
  private long bytesIn;
  private long bytesOut;

  public ConnectorCore(Config config, byte[] tokenSecret, long nowNanos) {
    this.config = config;
    this.tokens = new ListTokens(tokenSecret);
    this.excessBudget =
        new TokenBucket(config.excessBytesPerSecond(), config.excessBurstBytes(), nowNanos);
    int cap = config.maxTrackedAddresses();
    this.rates =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<InetAddress, TokenBucket> eldest) {
            return size() > cap;
          }
        };
  }

  public ConnectorCore(Config config, long nowNanos) {
    this(config, ListTokens.randomSecret(), nowNanos);
  }

  @Override
  public void close() {
    codec.close();
  }

  /** One datagram from {@code from}. Never throws for bad input: it is counted and dropped. */
  public void handleDatagram(long nowNanos, InetSocketAddress from, byte[] datagram) {
    received++;
    bytesIn += datagram.length;
    TokenBucket rate = rates.get(from.getAddress());
    if (rate == null) {
      rate = new TokenBucket(config.requestsPerSecond(), config.requestBurst(), nowNanos);
      rates.put(from.getAddress(), rate);
    }
    if (!rate.tryTake(nowNanos, 1)) {
      rateLimited++;
      return;
    }
    ConnectorMessage request;
    try {
      request = codec.decode(datagram, 0, datagram.length);
    } catch (InvalidMessageException e) {
      malformed++;
      return;
    }
    expire(nowNanos);
    try {
      switch (request.type()) {
        case ADD_SERVER, GW_ADD_SERVER -> onAddServer(nowNanos, from, request, datagram.length);
        case DEL_SERVER -> onDelServer(nowNanos, from, request, datagram.length);
        case GET_CONNET_INFO, GET_CONNECT_INFO, GW_GET_CONNECT_INFO ->
            onGetConnectInfo(nowNanos, from, request, datagram.length);
        case LIST_SERVERS -> onListServers(nowNanos, from, request, datagram.length);
        default -> ignored++; // replies and peer-to-peer messages are not for the connector
      }
    } catch (IllegalArgumentException e) {
      // An answer that would not encode (a bug, not the peer's fault): never out of the receive
      // path.
      malformed++;
    }
  }

  /** The next datagram to send, or null. */
  public Outgoing pollDatagram() {
    return out.poll();
  }

  public Stats stats() {
    return new Stats(
        received,
        malformed,
        rateLimited,
        amplificationDropped,
        ignored,
        sent,
        bytesIn,
        bytesOut,
        servers.size());
  }

  /** Addresses with a rate-limit bucket; at most {@code maxTrackedAddresses}. */
  public int trackedAddresses() {
    return rates.size();
  }

  /** The registered names, live ones only. */
  public List<Listing> listings(long nowNanos) {
    expire(nowNanos);
    List<Listing> list = new ArrayList<>(servers.size());
    for (Entry e : servers.values()) {
      list.add(listing(e));
    }
    return list;
  }

  private static Listing listing(Entry e) {
    return new Listing(e.name, e.game, e.players, e.capacity, e.metadata);
  }

  private void expire(long nowNanos) {
    Iterator<Entry> it = servers.values().iterator();
    while (it.hasNext()) {
      if (nowNanos - it.next().expiresAt >= 0) {
        it.remove();
      }
    }
  }

  private void onAddServer(long now, InetSocketAddress from, ConnectorMessage m, int requestBytes) {
    String name = m.string("serverName");
    Entry e = servers.get(name);
    if (e != null && !e.publicEndpoint.equals(from)) {
      reply(now, from, m, error(ERR_NAME_TAKEN), requestBytes, null);
      return;
    }
    if (e == null) {
      if (servers.size() >= config.maxServers()) {
        reply(now, from, m, error(ERR_FULL), requestBytes, null);
        return;
      }
      e = new Entry(name, from, new TokenBucket(config.connectInfosPerServerPerSecond(), 5, now));
      servers.put(name, e);
    }
    e.privateIp = m.string("serverPrivateIP");
    e.privatePort = m.port("serverPrivatePort");
    if (m.type().equals(GW_ADD_SERVER)) {
      e.game = m.string("game");
      e.players = (int) m.integer("players");
      e.capacity = (int) m.integer("capacity");
      @SuppressWarnings("unchecked")
      Map<String, String> metadata = (Map<String, String>) m.get("metadata");
      e.metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
    e.expiresAt = now + config.expiryNanos();
    reply(now, from, m, ConnectorMessage.of(SERVER_ADDED), requestBytes, null);
  }

  private void onDelServer(long now, InetSocketAddress from, ConnectorMessage m, int requestBytes) {
    Entry e = servers.get(m.string("serverName"));
    ConnectorMessage answer;
    if (e == null) {
      answer = error(ERR_UNKNOWN);
    } else if (!e.publicEndpoint.equals(from)) {
      answer = error(ERR_DENIED);
    } else {
      servers.remove(e.name);
      answer = ConnectorMessage.of(SERVER_DELETED);
    }
    reply(now, from, m, answer, requestBytes, null);
  }

  private void onGetConnectInfo(
      long now, InetSocketAddress from, ConnectorMessage m, int requestBytes) {
    Entry e = servers.get(m.string("serverName"));
    if (e == null) {
      reply(now, from, m, error(ERR_UNKNOWN), requestBytes, null);
      return;
    }
    boolean gamewire = m.type().equals(GW_GET_CONNECT_INFO);
    String clientPublicIp = ipText(from.getAddress());
    String serverPublicIp = ipText(e.publicEndpoint.getAddress());
    boolean allIpv4 =
        from.getAddress() instanceof Inet4Address
            && e.publicEndpoint.getAddress() instanceof Inet4Address
            && isDottedIpv4(e.privateIp);
    if (!gamewire && !allIpv4) {
      reply(now, from, m, error(ERR_NOT_IPV4), requestBytes, null);
      return;
    }
    if (!e.connectInfos.tryTake(now, 1)) {
      amplificationDropped++;
      return;
    }
    ConnectorMessage info =
        ConnectorMessage.of(gamewire ? GW_CONNECT_INFO : CONNECT_INFO)
            .put("serverName", e.name)
            .put("clientPrivateIP", m.string("clientPrivateIP"))
            .put("clientPrivatePort", m.integer("clientPrivatePort"))
            .put("serverPrivateIP", e.privateIp)
            .put("serverPrivatePort", e.privatePort)
            .put("clientPublicIP", clientPublicIp)
            .put("clientPublicPort", from.getPort())
            .put("serverPublicIP", serverPublicIp)
            .put("serverPublicPort", e.publicEndpoint.getPort());
    // The server's copy goes first and carries no msgID: it is not a reply to the server.
    byte[] toServer = codec.encode(info);
    reply(now, from, m, info, requestBytes, new Outgoing(e.publicEndpoint, toServer));
  }

  private void onListServers(
      long now, InetSocketAddress from, ConnectorMessage m, int requestBytes) {
    if (!m.has("token") || !tokens.check(from, m.integer("token"), now)) {
      ConnectorMessage token = ConnectorMessage.of(LIST_TOKEN).put("token", tokens.mint(from, now));
      token.msgId(m.msgId());
      byte[] wire = codec.encode(token);
      // Before validation a reply is never larger than its request; pad the request to get one.
      if (wire.length > requestBytes) {
        amplificationDropped++;
        return;
      }
      send(new Outgoing(from, wire));
      return;
    }
    int maxBytes = (int) m.integer("maxBytes");
    int start = (int) Math.min(m.integer("start"), servers.size());
    List<Entry> all = new ArrayList<>(servers.values());
    List<Object> page = new ArrayList<>();
    byte[] wire = encodePage(m, page, start, all.size());
    int i = start;
    while (i < all.size() && page.size() < MAX_LIST_ENTRIES) {
      page.add(entryMap(all.get(i)));
      byte[] bigger = encodePage(m, page, i + 1 < all.size() ? i + 1 : -1, all.size());
      if (bigger.length > maxBytes) {
        page.remove(page.size() - 1);
        break;
      }
      wire = bigger;
      i++;
    }
    if (page.isEmpty() && i < all.size()) {
      // One entry alone does not fit the allowance: answer with an empty page that skips nothing.
      wire = encodePage(m, page, i, all.size());
    }
    if (wire.length > maxBytes) {
      amplificationDropped++;
      return;
    }
    send(new Outgoing(from, wire));
  }

  private byte[] encodePage(ConnectorMessage request, List<Object> page, int next, int total) {
    ConnectorMessage list =
        ConnectorMessage.of(SERVER_LIST)
            .put("servers", page)
            .put("next", next)
            .put("total", total)
            .msgId(request.msgId());
    return codec.encode(list);
  }

  private static Map<String, Object> entryMap(Entry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("serverName", e.name);
    m.put("game", e.game);
    m.put("players", (long) e.players);
    m.put("capacity", (long) e.capacity);
    m.put("metadata", new TreeMap<>(e.metadata));
    return m;
  }

  /** The literal without an IPv6 zone ({@code %0}): a zone means nothing on another host. */
  static String ipText(InetAddress address) {
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    return zone < 0 ? text : text.substring(0, zone);
  }

  private static ConnectorMessage error(String text) {
    return ConnectorMessage.of(ERROR).put("result", text);
  }

  /**
   * Sends {@code first} (if any) and then {@code answer} as the reply to {@code request}, or
   * nothing if together they are larger than the request and the excess budget cannot pay.
   */
  private void reply(
      long now,
      InetSocketAddress to,
      ConnectorMessage request,
      ConnectorMessage answer,
      int requestBytes,
      Outgoing first) {
    answer.msgId(request.msgId());
    if (request.hasReplyData()) {
      answer.replyData(request.replyData());
    }
    byte[] wire = codec.encode(answer);
    long total = wire.length + (first == null ? 0 : first.datagram().length);
    long excess = total - requestBytes;
    if (excess > 0 && !excessBudget.tryTake(now, excess)) {
      amplificationDropped++;
      return;
    }
    if (first != null) {
      send(first);
    }
    send(new Outgoing(to, wire));
  }

  private void send(Outgoing o) {
    sent++;
    bytesOut += o.datagram().length;
    out.add(o);
  }
}
