package io.gamewire.protocol.packet;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.stats.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of a peng3dnet protocol 2 connection, without I/O (docs/PACKET-PROTOCOL.md,
 * docs/STATE-MACHINE.md): bytes come in through {@link #handleData}, frames to write come out of
 * {@link #pollOutput}, and what happens is reported synchronously to a {@link Listener}. Time is
 * passed in; the connection never reads a clock, starts a thread or touches a socket.
 *
 * <p>The handshake: the server sends {@code hello}; the client checks the protocol version and
 * answers {@code settype}; for a connection type that syncs the registry the server sends {@code
 * handshake} with its registry and the client answers {@code handshake.accept} after checking or
 * adopting the ids. Either side may send {@code closeconn} with a reason at any time; the receiver
 * closes without answering.
 *
 * <p>Two trust regimes: calls from the application that make no sense throw at once; bytes from the
 * peer never throw out of {@link #handleData}, they close the connection with a reason.
 *
 * <p>Not thread-safe: the transport runs each connection on one thread.
 */
public final class PacketConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PacketConnection.class);

  /** What the connection reports, called synchronously from its methods. */
  public interface Listener {
    /** The handshake finished; application packets may flow. */
    default void onHandshakeComplete() {}

    /** An application packet arrived and passed its guard. */
    default void onPacket(PacketType<?> type, Object body) {}

    /** A packet broke its guard and the guard says ignore. */
    default void onPacketIgnored(PacketType<?> type, String why) {}

    /** The server answered a ping (client side of a ping connection). */
    default void onPingReply(PingReply reply) {}

    /** The connection closed; called exactly once. */
    default void onClosed(String reason, boolean byPeer) {}
  }

  /** Builds a server's ping data for one request: its map is merged into the reply. */
  public interface PingResponder
      extends BiFunction<PacketConnection, Map<Object, Object>, Map<?, ?>> {}

  private final Side side;
  private final PacketConfig config;
  private final PacketRegistry registry;
  private final Listener listener;
  private final ByteBufAllocator alloc;
  private final FrameDecoder decoder;
  private final FrameEncoder encoder;
  private final MsgpackReader reader;
  private final TrafficCounters traffic;

  // server side: the types a client may ask for, and the ping data source
  private final Map<String, ConnectionType> acceptedTypes;
  private final PingResponder pingResponder;
  // client side: the requested type and the ping request body
  private ConnectionType connectionType;
  private final Map<Object, Object> pingRequest;

  private int state = ConnectionState.INIT;
  private int mode = ConnectionMode.NOTSET;
  private SecurityLevel security = SecurityLevel.NONE;
  private ByteBuf out;
  private boolean closeRequested;
  private String closeReason;
  private String closeDetail;
  private boolean closedByPeer;
  private long handshakeDeadlineNanos = Long.MAX_VALUE;
  private long idleDeadlineNanos = Long.MAX_VALUE;
  private long pingSentNanos;
  private long ignoredPackets;

  // After registry sync: wire ids by local index, and local types by wire id. Null: the registry's.
  private int[] wireIds;
  private IntObjectHashMap<PacketType<?>> receiveMap;

  private SendContext sendContext;

  /** Whether {@link #connectionType} is the ping extension's; asked for every frame received. */
  private boolean pingConnection;

  private PacketConnection(
      Side side,
      PacketConfig config,
      PacketRegistry registry,
      ByteBufAllocator alloc,
      Listener listener,
      Map<String, ConnectionType> acceptedTypes,
      PingResponder pingResponder,
      ConnectionType requestedType,
      Map<Object, Object> pingRequest,
      long nowNanos) {
    this.side = side;
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.acceptedTypes = acceptedTypes;
    this.pingResponder = pingResponder;
    this.connectionType = requestedType;
    this.pingConnection = requestedType != null && requestedType.isPing();
    this.pingRequest = pingRequest;
    this.decoder = new FrameDecoder(alloc, config.maxFrameBytes());
    this.encoder =
        new FrameEncoder(
            alloc,
            config.maxFrameBytes(),
            config.compressionEnabled(),
            config.compressionThresholdBytes(),
            config.compressionLevel());
    this.reader = new MsgpackReader(config.limits());
    this.traffic = new TrafficCounters(nowNanos);
  }

  /**
   * The server end of a new connection. {@code types} are the connection types clients may ask for
   * besides {@code classic} and {@code ping}; {@code pingResponder} supplies ping data (may be
   * null).
   */
  public static PacketConnection server(
      PacketConfig config,
      PacketRegistry registry,
      List<ConnectionType> types,
      PingResponder pingResponder,
      ByteBufAllocator alloc,
      Listener listener,
      long nowNanos) {
    Map<String, ConnectionType> accepted = new LinkedHashMap<>();
    accepted.put(ConnectionType.CLASSIC.name(), ConnectionType.CLASSIC);
    accepted.put(ConnectionType.PING.name(), ConnectionType.PING);
    for (ConnectionType t : types) {
      if (accepted.putIfAbsent(t.name(), t) != null) {
        throw new IllegalArgumentException(
            "connection type '" + t.name() + "' is registered twice");
      }
    }
    return new PacketConnection(
        Side.SERVER,
        config,
        registry,
        alloc,
        listener,
        Map.copyOf(accepted),
        pingResponder,
        null,
        null,
        nowNanos);
  }

  /** The client end of a new connection asking for {@code type} (not {@code ping}). */
  public static PacketConnection client(
      PacketConfig config,
      PacketRegistry registry,
      ConnectionType type,
      ByteBufAllocator alloc,
      Listener listener,
      long nowNanos) {
    Objects.requireNonNull(type, "type");
    if (type.isPing()) {
      throw new IllegalArgumentException("use PacketConnection.pingClient for ping connections");
    }
    return new PacketConnection(
        Side.CLIENT, config, registry, alloc, listener, null, null, type, null, nowNanos);
  }

  /**
   * The client end of a ping connection. {@code request} is the ping body; peng3dnet servers expect
   * a {@code time} key holding seconds since the epoch as a float.
   */
  public static PacketConnection pingClient(
      PacketConfig config,
      ByteBufAllocator alloc,
      Listener listener,
      Map<Object, Object> request,
      long nowNanos) {
    return new PacketConnection(
        Side.CLIENT,
        config,
        PacketRegistry.builder().build(),
        alloc,
        listener,
        null,
        null,
        ConnectionType.PING,
        new LinkedHashMap<>(request),
        nowNanos);
  }

  // ---------------------------------------------------------------- input

  /** Starts the handshake once the stream is open: the server says hello, the client waits. */
  public void start(long nowNanos) {
    if (state != ConnectionState.INIT) {
      throw new IllegalStateException("start() was already called");
    }
    handshakeDeadlineNanos = nowNanos + config.handshakeTimeout().toNanos();
    touchIdle(nowNanos);
    if (side == Side.SERVER) {
      Map<Object, Object> hello = new LinkedHashMap<>();
      hello.put("version", PacketIds.PENG3DNET_VERSION);
      hello.put("protoversion", (long) PacketIds.PROTOCOL_VERSION);
      writeInternal(PacketIds.HELLO, hello);
      state = ConnectionState.WAITTYPE;
    } else {
      state = ConnectionState.HELLOWAIT;
    }
  }

  /** Feeds bytes from the stream (takes ownership of {@code chunk}) and processes whole frames. */
  public void handleData(long nowNanos, ByteBuf chunk) {
    if (state == ConnectionState.CLOSED) {
      chunk.release();
      return;
    }
    traffic.addBytesIn(chunk.readableBytes());
    touchIdle(nowNanos);
    decoder.feed(chunk);
    int frames = 0;
    try {
      while (state != ConnectionState.CLOSED && decoder.next()) {
        frames++;
        handleFrame(nowNanos, decoder.packetId());
      }
    } catch (FrameException e) {
      closeWithDetail(e.reason(), e.getMessage());
    } finally {
      traffic.addPacketsIn(frames); // once per read, not per frame
    }
  }

  /** The peer closed its end of the stream. */
  public void handleEndOfStream(long nowNanos) {
    if (state != ConnectionState.CLOSED) {
      finish(CloseReasons.SOCKET_CLOSE, "the peer closed the socket", true);
    }
  }

  /** The transport failed (an I/O or TLS error); the connection is over. */
  public void handleTransportError(long nowNanos, String reason, String detail) {
    if (state != ConnectionState.CLOSED) {
      finish(reason, detail, false);
    }
  }

  /** Runs the timers due at {@code nowNanos}: handshake timeout and idle timeout. */
  public void handleTimeout(long nowNanos) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    if (nowNanos >= handshakeDeadlineNanos) {
      closeWithDetail(
          CloseReasons.HANDSHAKE_TIMEOUT,
          "the handshake did not finish within " + config.handshakeTimeout().toMillis() + " ms");
    } else if (nowNanos >= idleDeadlineNanos) {
      closeWithDetail(
          CloseReasons.IDLE_TIMEOUT,
          "nothing arrived for " + config.idleTimeout().toMillis() + " ms");
    }
  }

  /** When {@link #handleTimeout} must next run; {@link Long#MAX_VALUE} when no timer is armed. */
  public long nextDeadlineNanos() {
    return state == ConnectionState.CLOSED
        ? Long.MAX_VALUE
        : Math.min(handshakeDeadlineNanos, idleDeadlineNanos);
  }

  private void touchIdle(long nowNanos) {
    long idle = config.idleTimeout().toNanos();
    if (idle > 0) {
      idleDeadlineNanos = nowNanos + idle;
    }
  }

  /**
   * Handles the decoder's current frame. Internal packets read their body through {@link
   * FrameDecoder#body()} (a wrapper, allocated only for them); application packets are read in
   * place from the decoder's array.
   */
  private void handleFrame(long nowNanos, int packetId) {
    if (packetId == PacketIds.CLOSE_CONNECTION) {
      handleCloseConnection(decoder.body());
      return;
    }
    if (pingConnection) {
      handlePingFrame(nowNanos, packetId, decoder.body());
      return;
    }
    if (side == Side.SERVER) {
      switch (state) {
        case ConnectionState.WAITTYPE -> {
          if (expect(packetId, PacketIds.SET_TYPE)) {
            handleSetType(nowNanos, decoder.body());
          }
          return;
        }
        case ConnectionState.HANDSHAKE_WAIT1 -> {
          if (expect(packetId, PacketIds.HANDSHAKE_ACCEPT)) {
            handleHandshakeAccept(decoder.body());
          }
          return;
        }
        default -> {}
      }
    } else {
      switch (state) {
        case ConnectionState.HELLOWAIT -> {
          if (expect(packetId, PacketIds.HELLO)) {
            handleHello(nowNanos, decoder.body());
          }
          return;
        }
        case ConnectionState.HANDSHAKE_WAIT1 -> {
          if (expect(packetId, PacketIds.HANDSHAKE)) {
            handleHandshake(decoder.body());
          }
          return;
        }
        default -> {}
      }
    }
    handleApplicationFrame(packetId);
  }

  private boolean expect(int packetId, int expected) {
    if (packetId == expected) {
      return true;
    }
    closeWithDetail(
        CloseReasons.SMART_PACKET_INVALID,
        "expected packet "
            + expected
            + " in state "
            + ConnectionState.name(state)
            + " but received packet "
            + packetId);
    return false;
  }

  private void handleApplicationFrame(int packetId) {
    PacketType<?> type = receiveMap != null ? receiveMap.get(packetId) : registry.byId(packetId);
    if (type == null) {
      closeWithDetail(CloseReasons.UNKNOWN_PACKET, "received unknown packet id " + packetId);
      return;
    }
    if (type.isInternal()) {
      closeWithDetail(
          CloseReasons.SMART_PACKET_INVALID,
          "received " + type.name() + " in state " + ConnectionState.name(state));
      return;
    }
    String why = type.guard().checkReceive(side, state, mode, connectionTypeName());
    if (why != null) {
      violated(type, "received " + type.name() + ", but " + why);
      return;
    }
    Object value;
    try {
      reader.reset(decoder.bodyArray(), decoder.bodyOffset(), decoder.bodyLength());
      value = type.codec().decode(reader);
      reader.expectEnd();
    } catch (MalformedMessageException e) {
      closeWithDetail(
          CloseReasons.MALFORMED_PACKET, "packet " + type.name() + ": " + e.getMessage());
      return;
    }
    listener.onPacket(type, value);
  }

  private void violated(PacketType<?> type, String why) {
    if (type.guard().onViolation() == InvalidAction.IGNORE) {
      ignoredPackets++;
      log.debug("ignoring packet: {}", why);
      listener.onPacketIgnored(type, why);
    } else {
      closeWithDetail(CloseReasons.SMART_PACKET_INVALID, why);
    }
  }

  // ---------------------------------------------------------------- handshake

  private void handleSetType(long nowNanos, ByteBuf body) {
    Map<Object, Object> msg = readInternalMap(body, "settype");
    if (msg == null) {
      return;
    }
    Object requested = msg.getOrDefault("conntype", ConnectionType.CLASSIC.name());
    ConnectionType type = requested instanceof String s ? acceptedTypes.get(s) : null;
    if (type == null) {
      closeWithDetail(
          CloseReasons.UNKNOWN_CONNECTION_TYPE,
          "the client asked for unknown connection type " + describe(requested));
      return;
    }
    connectionType = type;
    pingConnection = type.isPing();
    if (type.isPing()) {
      mode = ConnectionMode.PING;
      state = ConnectionState.ACTIVE;
      return;
    }
    if (type.syncsRegistry()) {
      Map<Object, Object> handshake = new LinkedHashMap<>();
      handshake.put("version", PacketIds.PENG3DNET_VERSION);
      handshake.put("protoversion", (long) PacketIds.PROTOCOL_VERSION);
      handshake.put("registry", registry.toWireMap());
      writeInternal(PacketIds.HANDSHAKE, handshake);
      state = ConnectionState.HANDSHAKE_WAIT1;
    } else {
      establish();
    }
  }

  private void handleHandshakeAccept(ByteBuf body) {
    Map<Object, Object> msg = readInternalMap(body, "handshake.accept");
    if (msg == null) {
      return;
    }
    if (!Boolean.TRUE.equals(msg.get("success"))) {
      closeWithDetail(CloseReasons.HANDSHAKE_REFUSED, "the client did not accept the handshake");
      return;
    }
    establish();
  }

  private void handleHello(long nowNanos, ByteBuf body) {
    Map<Object, Object> msg = readInternalMap(body, "hello");
    if (msg == null || !checkProtocolVersion(msg, "hello")) {
      return;
    }
    Map<Object, Object> setType = new LinkedHashMap<>();
    setType.put("conntype", connectionType.name());
    writeInternal(PacketIds.SET_TYPE, setType);
    if (connectionType.isPing()) {
      mode = ConnectionMode.PING;
      state = ConnectionState.ACTIVE;
      pingSentNanos = nowNanos;
      writeInternal(PacketIds.PING_REQUEST, pingRequest);
    } else if (connectionType.syncsRegistry()) {
      state = ConnectionState.HANDSHAKE_WAIT1;
    } else {
      establish();
    }
  }

  private void handleHandshake(ByteBuf body) {
    Map<Object, Object> msg = readInternalMap(body, "handshake");
    if (msg == null || !checkProtocolVersion(msg, "handshake")) {
      return;
    }
    if (!syncRegistry(msg.get("registry"))) {
      return;
    }
    Map<Object, Object> accept = new LinkedHashMap<>();
    accept.put("success", Boolean.TRUE);
    writeInternal(PacketIds.HANDSHAKE_ACCEPT, accept);
    establish();
  }

  private boolean checkProtocolVersion(Map<Object, Object> msg, String packet) {
    Object v = msg.get("protoversion");
    if (v instanceof Long l && l == PacketIds.PROTOCOL_VERSION) {
      return true;
    }
    closeWithDetail(
        CloseReasons.PROTOCOL_VERSION_MISMATCH,
        "the server speaks protocol version "
            + describe(v)
            + " (in "
            + packet
            + "), this side speaks "
            + PacketIds.PROTOCOL_VERSION);
    return false;
  }

  private void establish() {
    state = ConnectionState.ACTIVE;
    handshakeDeadlineNanos = Long.MAX_VALUE;
    listener.onHandshakeComplete();
  }

  /** Checks the server's registry against ours and adopts its ids where the policy allows. */
  private boolean syncRegistry(Object wire) {
    if (!(wire instanceof Map<?, ?> remoteRaw)) {
      closeWithDetail(CloseReasons.REGISTRY_MISMATCH, "the handshake carries no registry map");
      return false;
    }
    Map<String, Integer> remote = new LinkedHashMap<>();
    IntObjectHashMap<String> remoteIds = new IntObjectHashMap<>();
    for (Map.Entry<?, ?> e : remoteRaw.entrySet()) {
      if (!(e.getKey() instanceof String name)
          || !(e.getValue() instanceof Long id)
          || id < 0
          || id > Integer.MAX_VALUE) {
        closeWithDetail(
            CloseReasons.REGISTRY_MISMATCH,
            "the server's registry holds an invalid entry "
                + describe(e.getKey())
                + " -> "
                + describe(e.getValue()));
        return false;
      }
      String other = remoteIds.put(id.intValue(), name);
      if (other != null) {
        closeWithDetail(
            CloseReasons.REGISTRY_MISMATCH,
            "the server's registry gives id " + id + " to both '" + other + "' and '" + name + "'");
        return false;
      }
      remote.put(name, id.intValue());
    }
    TreeSet<String> onlyHere = new TreeSet<>();
    List<String> differentIds = new ArrayList<>();
    for (PacketType<?> t : registry.types()) {
      Integer id = remote.get(t.name());
      if (id == null) {
        onlyHere.add(t.name());
      } else if (id != t.id()) {
        differentIds.add("'" + t.name() + "' (id " + t.id() + " here, " + id + " on the server)");
      }
    }
    TreeSet<String> onlyThere = new TreeSet<>();
    for (String name : remote.keySet()) {
      if (registry.byName(name) == null) {
        onlyThere.add(name);
      }
    }
    boolean internalMoved = false;
    for (PacketType<?> t : registry.types()) {
      Integer id = remote.get(t.name());
      if (t.isInternal() && (id == null || id != t.id())) {
        internalMoved = true;
      }
    }
    boolean namesDiffer = !onlyHere.isEmpty() || !onlyThere.isEmpty();
    boolean refuse =
        internalMoved
            || switch (config.registrySync()) {
              case STRICT -> namesDiffer || !differentIds.isEmpty();
              case ADOPT_IDS -> namesDiffer;
              case ADOPT_COMMON -> false;
            };
    if (namesDiffer || !differentIds.isEmpty()) {
      String detail =
          "client and server disagree on the packet registry:"
              + (onlyHere.isEmpty() ? "" : " only on the client: " + onlyHere + ";")
              + (onlyThere.isEmpty() ? "" : " only on the server: " + onlyThere + ";")
              + (differentIds.isEmpty()
                  ? ""
                  : " different ids: " + String.join(", ", differentIds));
      if (refuse) {
        log.warn("{} (registry sync {}: closing)", detail, config.registrySync());
        closeWithDetail(CloseReasons.REGISTRY_MISMATCH, detail);
        return false;
      }
      log.info("{} (registry sync {}: adopting the server's ids)", detail, config.registrySync());
    }
    if (!differentIds.isEmpty() || namesDiffer) {
      wireIds = new int[registry.size()];
      receiveMap = new IntObjectHashMap<>(remote.size() * 2);
      for (PacketType<?> t : registry.types()) {
        Integer id = remote.get(t.name());
        wireIds[t.index()] = id == null ? -1 : id;
        if (id != null) {
          receiveMap.put(id, t);
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- ping

  private void handlePingFrame(long nowNanos, int packetId, ByteBuf body) {
    if (side == Side.SERVER) {
      if (packetId == PacketIds.PING_REPLY) {
        closeWithDetail(CloseReasons.PING_INVALID_SIDE, "a client sent a ping reply");
      } else if (packetId != PacketIds.PING_REQUEST) {
        closeWithDetail(
            CloseReasons.INVALID_PING_PACKET, "packet " + packetId + " on a ping connection");
      } else {
        Map<Object, Object> request = readPingMap(body);
        if (request != null) {
          answerPing(request);
        }
      }
    } else {
      if (state == ConnectionState.HELLOWAIT) {
        if (expect(packetId, PacketIds.HELLO)) {
          handleHello(nowNanos, body);
        }
      } else if (packetId == PacketIds.PING_REQUEST) {
        closeWithDetail(CloseReasons.PING_INVALID_SIDE, "the server sent a ping request");
      } else if (packetId != PacketIds.PING_REPLY) {
        closeWithDetail(
            CloseReasons.INVALID_PING_PACKET, "packet " + packetId + " on a ping connection");
      } else {
        Map<Object, Object> reply = readPingMap(body);
        if (reply != null) {
          Map<Object, Object> data = new LinkedHashMap<>(reply);
          data.remove("oldmsg");
          listener.onPingReply(new PingReply(nowNanos - pingSentNanos, nullFree(data)));
          close(CloseReasons.PING_COMPLETE);
        }
      }
    }
  }

  /**
   * Writes the ping reply. It echoes the request, so a request that fits the maximum frame length
   * can make a reply that does not; the encoder then refuses it (writing nothing), and the peer's
   * bytes must end in a close, not an exception out of {@link #handleData}.
   */
  private void answerPing(Map<Object, Object> request) {
    try {
      writeInternal(PacketIds.PING_REPLY, pingReplyFor(request));
    } catch (IllegalArgumentException e) {
      closeWithDetail(
          CloseReasons.INVALID_PING_PACKET, "cannot answer the ping: " + e.getMessage());
    }
  }

  private Map<Object, Object> pingReplyFor(Map<Object, Object> request) {
    Map<Object, Object> reply = new LinkedHashMap<>();
    reply.put("oldmsg", request);
    if (pingResponder != null) {
      try {
        Map<?, ?> extra = pingResponder.apply(this, request);
        if (extra != null) {
          reply.putAll(extra);
        }
      } catch (RuntimeException e) {
        // The application's ping data failed: answer with the protocol's part only.
        log.warn("the ping responder failed; answering without its data", e);
      }
    }
    Map<Object, Object> version = new LinkedHashMap<>();
    version.put("version", PacketIds.PENG3DNET_VERSION);
    version.put("release", PacketIds.PENG3DNET_VERSION);
    version.put("protoversion", (long) PacketIds.PROTOCOL_VERSION);
    reply.put("peng3dnet", version);
    return reply;
  }

  private Map<Object, Object> readPingMap(ByteBuf body) {
    Map<Object, Object> msg = readMap(body);
    if (msg == null) {
      closeWithDetail(CloseReasons.INVALID_PING_PACKET, "a ping packet's body is not a map");
    }
    return msg;
  }

  private static Map<Object, Object> nullFree(Map<Object, Object> m) {
    m.values().removeIf(Objects::isNull);
    m.keySet().removeIf(Objects::isNull);
    return m;
  }

  // ---------------------------------------------------------------- close

  private void handleCloseConnection(ByteBuf body) {
    Map<Object, Object> msg = readMap(body);
    Object reason = msg == null ? null : msg.get("reason");
    String text = reason instanceof String s ? s : CloseReasons.UNSPECIFIED;
    finish(text, "the peer closed the connection: " + text, true);
  }

  /**
   * Closes with {@code reason}: sends {@code closeconn}, after which the transport flushes and
   * shuts the socket ({@link #isCloseRequested()}). Harmless when already closed.
   */
  public void close(String reason) {
    closeWithDetail(reason, null);
  }

  private void closeWithDetail(String reason, String detail) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    if (detail != null) {
      log.debug("closing {} connection ({}): {}", side, reason, detail);
    }
    Map<Object, Object> msg = new LinkedHashMap<>();
    msg.put("reason", reason);
    writeInternal(PacketIds.CLOSE_CONNECTION, msg);
    closeRequested = true;
    finish(reason, detail, false);
  }

  private void finish(String reason, String detail, boolean byPeer) {
    state = ConnectionState.CLOSED;
    mode = ConnectionMode.CLOSED;
    closeReason = reason;
    closeDetail = detail;
    closedByPeer = byPeer;
    handshakeDeadlineNanos = Long.MAX_VALUE;
    idleDeadlineNanos = Long.MAX_VALUE;
    decoder.close();
    listener.onClosed(reason, byPeer);
  }

  // ---------------------------------------------------------------- output

  /**
   * Queues an application packet. Returns false when the connection is closed or the packet's guard
   * says ignore; a guard that says close closes the connection (and returns false).
   *
   * @throws IllegalArgumentException if the type is internal, from another registry, unknown to the
   *     peer, or the body does not fit the codec or the maximum frame length
   */
  public <T> boolean send(PacketType<T> type, T body) {
    checkSendable(type, body);
    if (state == ConnectionState.CLOSED) {
      return false;
    }
    if (connectionType != null && connectionType.isPing()) {
      throw new IllegalStateException("a ping connection carries no application packets");
    }
    String why = type.guard().checkSend(side, state, mode, connectionTypeName(), security);
    if (why != null) {
      violated(type, "cannot send " + type.name() + ": " + why);
      return false;
    }
    int wireId = wireIds == null ? type.id() : wireIds[type.index()];
    if (wireId < 0) {
      throw new IllegalArgumentException(
          "the server does not know packet " + type.name() + ", so it cannot be sent");
    }
    writeFrame(wireId, type.codec(), body);
    return true;
  }

  /**
   * Checks what can be checked without the connection's state: that {@code type} belongs to this
   * connection's registry, is not internal, and that {@code body} fits its codec. Safe to call from
   * any thread, so transports can fail a caller's mistake on the caller's thread.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public void checkSendable(PacketType<?> type, Object body) {
    Objects.requireNonNull(type, "type");
    if (registry.types().size() <= type.index() || registry.types().get(type.index()) != type) {
      throw new IllegalArgumentException(
          "packet " + type.name() + " is not from this connection's registry");
    }
    if (type.isInternal()) {
      throw new IllegalArgumentException(
          "internal packet " + type.name() + " is sent by the connection itself");
    }
    if (body != null && !type.codec().bodyType().isInstance(body)) {
      throw new IllegalArgumentException(
          "packet "
              + type.name()
              + " carries "
              + type.codec().bodyType().getName()
              + ", not "
              + body.getClass().getName());
    }
  }

  /** Queues an application packet by name; see {@link #send(PacketType, Object)}. */
  @SuppressWarnings("unchecked")
  public boolean send(String name, Object body) {
    PacketType<?> type = registry.byName(name);
    if (type == null) {
      throw new IllegalArgumentException("no packet named '" + name + "' is registered");
    }
    return send((PacketType<Object>) type, body);
  }

  private void writeInternal(int packetId, Map<Object, Object> body) {
    writeFrame(packetId, PacketCodec.map(), body);
  }

  private <T> void writeFrame(int packetId, PacketCodec<T> codec, T body) {
    if (out == null) {
      out = alloc.buffer();
    }
    int n = encoder.encode(out, packetId, codec, body);
    traffic.addBytesOut(n);
    traffic.addPacketOut();
  }

  /**
   * A picture of this connection for deciding application sends on another thread (see {@link
   * SendContext}), or null while such sends must come to this connection's thread: before the
   * handshake completes, on a ping connection, and once closing. The same object is returned while
   * nothing it shows changes.
   */
  public SendContext sendContext() {
    if (!ConnectionState.isEstablished(state)
        || closeRequested
        || connectionType == null
        || connectionType.isPing()) {
      return null;
    }
    String type = connectionType.name();
    SendContext c = sendContext;
    if (c == null || !c.matches(state, mode, type, security, wireIds)) {
      c = sendContext = new SendContext(side, state, mode, type, security, registry, wireIds);
    }
    return c;
  }

  /** The settings this connection was made with. */
  public PacketConfig config() {
    return config;
  }

  /**
   * A frame encoder with this connection's limits and compression settings ({@link #config()}), for
   * a thread that encodes application packets allowed by a {@link SendContext}. The caller owns and
   * closes it.
   */
  public FrameEncoder newFrameEncoder() {
    return new FrameEncoder(
        alloc,
        config.maxFrameBytes(),
        config.compressionEnabled(),
        config.compressionThresholdBytes(),
        config.compressionLevel());
  }

  /**
   * Queues {@code count} whole frames that another thread encoded (with {@link #newFrameEncoder()}
   * under a {@link SendContext}) after the output already queued here; takes ownership of {@code
   * frames}. Returns false, releasing them, when the connection is closed.
   */
  public boolean handleEncodedFrames(ByteBuf frames, int count) {
    if (state == ConnectionState.CLOSED) {
      frames.release();
      return false;
    }
    int n = frames.readableBytes();
    if (out == null) {
      out = frames;
    } else {
      out.writeBytes(frames);
      frames.release();
    }
    traffic.addBytesOut(n);
    traffic.addPacketsOut(count);
    return true;
  }

  /**
   * Takes the bytes queued for the socket since the last call, or null if there are none. The
   * caller owns (and must release or write) the returned buffer.
   */
  public ByteBuf pollOutput() {
    ByteBuf b = out;
    out = null;
    return b;
  }

  /** Bytes queued and not yet polled. */
  public int pendingOutputBytes() {
    return out == null ? 0 : out.readableBytes();
  }

  // ---------------------------------------------------------------- helpers

  private Map<Object, Object> readInternalMap(ByteBuf body, String packet) {
    Map<Object, Object> msg = readMap(body);
    if (msg == null) {
      closeWithDetail(CloseReasons.MALFORMED_PACKET, "the " + packet + " packet is not a map");
    }
    return msg;
  }

  /** Decodes a body that must be a single map; null if it is anything else. */
  @SuppressWarnings("unchecked")
  private Map<Object, Object> readMap(ByteBuf body) {
    try {
      reader.reset(body);
      Object v = reader.readValue();
      reader.expectEnd();
      return v instanceof Map<?, ?> m ? (Map<Object, Object>) m : null;
    } catch (MalformedMessageException e) {
      log.debug("undecodable internal packet: {}", e.getMessage());
      return null;
    }
  }

  private static String describe(Object v) {
    if (v == null) {
      return "nil";
    }
    String s = v instanceof String str ? "'" + str + "'" : String.valueOf(v);
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  // ---------------------------------------------------------------- state for the application

  public Side side() {
    return side;
  }

  /** The connection state (see {@link ConnectionState}). */
  public int state() {
    return state;
  }

  /**
   * Moves an established connection between {@link ConnectionState#ACTIVE} and {@link
   * ConnectionState#LOGGEDIN}; guarded packets may require either.
   */
  public void setState(int newState) {
    if (!ConnectionState.isEstablished(newState)) {
      throw new IllegalArgumentException(
          "the application may only set ACTIVE or LOGGEDIN, not " + ConnectionState.name(newState));
    }
    if (!ConnectionState.isEstablished(state)) {
      throw new IllegalStateException(
          "the connection is " + ConnectionState.name(state) + ", not established");
    }
    state = newState;
  }

  /** The connection mode (see {@link ConnectionMode}); the application's to set. */
  public int mode() {
    return mode;
  }

  public void setMode(int newMode) {
    if (state == ConnectionState.CLOSED) {
      throw new IllegalStateException("the connection is closed");
    }
    mode = newMode;
  }

  /** The connection type, or null on a server before {@code settype} arrived. */
  public ConnectionType connectionType() {
    return connectionType;
  }

  private String connectionTypeName() {
    return connectionType == null ? null : connectionType.name();
  }

  public SecurityLevel securityLevel() {
    return security;
  }

  /** Set by the transport once TLS is up. */
  public void setSecurityLevel(SecurityLevel level) {
    security = Objects.requireNonNull(level, "level");
  }

  public boolean isEstablished() {
    return ConnectionState.isEstablished(state);
  }

  public boolean isClosed() {
    return state == ConnectionState.CLOSED;
  }

  /** Whether this side closed: the transport flushes the output, then shuts the socket. */
  public boolean isCloseRequested() {
    return closeRequested;
  }

  /** The reason the connection closed with, or null while open. */
  public String closeReason() {
    return closeReason;
  }

  /** A sentence on why it closed, for errors and logs; may be null. */
  public String closeDetail() {
    return closeDetail;
  }

  public boolean closedByPeer() {
    return closedByPeer;
  }

  /** Packets dropped because their guard said ignore. */
  public long ignoredPackets() {
    return ignoredPackets;
  }

  public TrafficCounters traffic() {
    return traffic;
  }

  public PacketRegistry registry() {
    return registry;
  }

  /** Releases buffers; the connection counts as closed by the transport if it was still open. */
  @Override
  public void close() {
    if (state != ConnectionState.CLOSED) {
      finish(CloseReasons.SOCKET_CLOSE, "released while open", false);
    }
    decoder.close();
    encoder.close();
    if (out != null) {
      out.release();
      out = null;
    }
  }
}
