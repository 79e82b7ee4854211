package io.gamewire.protocol.pygase;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.realtime.CongestionController;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.protocol.state.TimeOrder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the PyGaSe 0.3.1 profile on one socket (docs/PYGASE.md), sans-I/O: datagrams
 * and time go in through {@code handle…}, datagrams to send come out of {@link #pollDatagram}.
 *
 * <p>As PyGaSe does, there is no handshake: the first valid client package from a new address
 * creates its connection (up to {@link PygaseConfig#maxClients()}; further addresses are dropped
 * and counted), and the first client ever seen is the host, whose {@code shutdown} datagram is
 * reported to {@link Listener#onShutdownRequested}. Every send interval of a client (40 Hz, 20 Hz
 * while its latency is bad) one server package goes to it, carrying the update the {@link
 * PygaseStateSource} gives for the time order that client last reported, even if empty, and up to
 * five queued events. A client silent for the connection timeout (5 s) is dropped.
 *
 * <p>Nothing from the wire throws: short, foreign, malformed, duplicate and reordered datagrams are
 * counted and dropped, and per-address state is one bounded connection. Listener calls and event
 * callbacks run inside the endpoint's calls. Not thread-safe: one event loop drives it.
 */
public final class PygaseServerEndpoint implements AutoCloseable {

  /** A datagram to send; the caller owns (and releases) {@code bytes}. */
  public record Outgoing(InetSocketAddress to, ByteBuf bytes) {}

  /** Receives the server's events; callbacks run inside the endpoint's calls. */
  public interface Listener {
    /** A new address sent its first valid package; {@code host} for the first client ever. */
    default void onClientJoined(int clientId, InetSocketAddress address, boolean host) {}

    /** An event from a client, in the order the client's packages arrived. */
    void onEvent(int clientId, PygaseEvent event);

    /** A client was silent for the connection timeout and is gone. */
    default void onClientLeft(int clientId) {}

    /** The host sent {@code shutdown} (reported once, unless the config ignores it). */
    default void onShutdownRequested(int hostClientId) {}
  }

  private static final class Client {
    final int id;
    final InetSocketAddress address;
    final PygaseLink link;
    int timeOrder = TimeOrder.NONE;

    Client(int id, InetSocketAddress address, PygaseLink link) {
      this.id = id;
      this.address = address;
      this.link = link;
    }
  }

  private final PygaseConfig config;
  private final PygaseStateSource source;
  private final ByteBufAllocator alloc;
  private final Listener listener;
  private final PygaseCodec codec = new PygaseCodec();
  private final Map<InetSocketAddress, Client> byAddress = new HashMap<>();
  private final Map<Integer, Client> byId = new LinkedHashMap<>();
  private final ArrayList<Client> pass = new ArrayList<>();
  private int passIndex = -1;
  private int nextId = 1;
  private InetSocketAddress hostAddress;
  private int hostId;
  private boolean shutdownReported;
  private boolean closed;

  /** The shortest spacing of warnings about updates too large for a package (10 s). */
  static final long OVERSIZE_WARNING_NANOS = 10_000_000_000L;

  private static final Logger log = LoggerFactory.getLogger(PygaseServerEndpoint.class);

  private long notPygase;
  private long malformed;
  private long refused;
  private long duplicates;
  private long shutdownIgnored;
  private long oversizedUpdates;
  private long oversizeWarnedAt = Long.MIN_VALUE;
  private long sourceFailures;
  private long listenerFailures;

  public PygaseServerEndpoint(
      PygaseConfig config, PygaseStateSource source, ByteBufAllocator alloc, Listener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.source = Objects.requireNonNull(source, "source");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  // ------------------------------------------------------------------ receiving

  /** A datagram from {@code from}; the caller keeps ownership. Never throws for its contents. */
  public void handleDatagram(long nowNanos, InetSocketAddress from, ByteBuf datagram) {
    Objects.requireNonNull(from, "from");
    if (closed) {
      return;
    }
    if (PygaseWire.isShutdown(datagram)) {
      onShutdown(from);
      return;
    }
    if (!PygaseWire.isPygase(datagram)) {
      notPygase++;
      return;
    }
    PygaseClientPackage p;
    try {
      p = codec.decodeClientPackage(datagram);
    } catch (MalformedMessageException e) {
      malformed++;
      return;
    }
    Client c = byAddress.get(from);
    if (c == null) {
      if (byAddress.size() >= config.maxClients()) {
        refused++;
        return;
      }
      c = new Client(nextId++, from, new PygaseLink(config, nowNanos));
      byAddress.put(from, c);
      byId.put(c.id, c);
      boolean host = hostAddress == null;
      if (host) {
        hostAddress = from;
        hostId = c.id;
      }
      int id = c.id;
      notify(() -> listener.onClientJoined(id, from, host));
    }
    if (!c.link.onPackage(
        nowNanos, p.sequence(), p.ack(), p.ackBitfield(), datagram.readableBytes())) {
      duplicates++;
      return;
    }
    if (c.link.isNewest(p.sequence())) {
      c.timeOrder = p.timeOrder(); // the latest report wins; a reordered older one does not
    }
    for (PygaseEvent e : p.events()) {
      int id = c.id;
      notify(() -> listener.onEvent(id, e));
    }
  }

  private void onShutdown(InetSocketAddress from) {
    if (!from.equals(hostAddress) || !config.hostMayShutdown()) {
      shutdownIgnored++;
      return;
    }
    if (!shutdownReported) {
      shutdownReported = true;
      int id = hostId;
      notify(() -> listener.onShutdownRequested(id));
    }
  }

  // ------------------------------------------------------------------ sending and timers

  /**
   * The next datagram to send now, or null: one package for each client whose send interval has
   * come. Call repeatedly until null.
   */
  public Outgoing pollDatagram(long nowNanos) {
    if (closed) {
      return null;
    }
    if (passIndex < 0) {
      pass.clear();
      pass.addAll(byId.values());
      passIndex = 0;
    }
    while (passIndex < pass.size()) {
      Client c = pass.get(passIndex++);
      if (byId.get(c.id) == c && c.link.sendDue(nowNanos)) {
        ByteBuf d = buildPackage(nowNanos, c);
        if (d != null) {
          return new Outgoing(c.address, d);
        }
      }
    }
    passIndex = -1;
    pass.clear();
    return null;
  }

  private ByteBuf buildPackage(long now, Client c) {
    PygaseUpdate update;
    try {
      update = Objects.requireNonNull(source.updateFor(c.timeOrder), "updateFor returned null");
    } catch (RuntimeException e) {
      sourceFailures++;
      c.link.skipSend(now);
      return null;
    }
    ByteBuf d = alloc.buffer(PygaseWire.MAX_PACKAGE_BYTES);
    int seq = c.link.nextSequence();
    boolean fits;
    try {
      fits = codec.writeServerPackage(d, seq, c.link.ack(), c.link.ackBitfield(), update);
      if (!fits) {
        oversizedUpdates++;
        warnOversized(now, c, update);
      }
    } catch (RuntimeException e) {
      sourceFailures++; // a value outside the model in the state
      fits = false;
    }
    if (!fits) {
      d.release();
      c.link.skipSend(now);
      return null;
    }
    PygaseLink.Queued[] events =
        c.link.takeEvents(PygaseWire.MAX_PACKAGE_BYTES - d.readableBytes());
    for (PygaseLink.Queued q : events) {
      PygaseCodec.appendEvent(d, q.body());
    }
    c.link.onSent(now, seq, d.readableBytes(), events);
    return d;
  }

  /**
   * Says, at most every {@link #OVERSIZE_WARNING_NANOS}, that a client's update does not fit: the
   * game's state outgrew the PyGaSe wire, and its PyGaSe clients see nothing new until it shrinks.
   */
  private void warnOversized(long now, Client c, PygaseUpdate update) {
    if (oversizeWarnedAt != Long.MIN_VALUE && now - oversizeWarnedAt < OVERSIZE_WARNING_NANOS) {
      return;
    }
    oversizeWarnedAt = now;
    log.warn(
        "the state update for PyGaSe client {} takes {} bytes, more than PyGaSe's {}-byte package:"
            + " PyGaSe clients get no new state until it is smaller (the native profile has no such"
            + " limit); {} updates skipped so far",
        c.address,
        codec.encodeUpdate(update).length,
        PygaseWire.MAX_PACKAGE_BYTES,
        oversizedUpdates);
  }

  /** When {@link #handleTimeout} or {@link #pollDatagram} next has work, or Long.MAX_VALUE. */
  public long nextTimeoutNanos() {
    long t = Long.MAX_VALUE;
    if (!closed) {
      for (Client c : byId.values()) {
        t = Math.min(t, c.link.nextTimeoutNanos());
      }
    }
    return t;
  }

  /** Runs package timeouts, the rate switch and connection timeouts. */
  public void handleTimeout(long nowNanos) {
    if (closed) {
      return;
    }
    for (Client c : byId.values().toArray(new Client[0])) {
      c.link.handleTimeout(nowNanos);
      if (c.link.timedOut(nowNanos)) {
        drop(c);
        int id = c.id;
        notify(() -> listener.onClientLeft(id));
      }
    }
  }

  private void drop(Client c) {
    byAddress.remove(c.address, c);
    byId.remove(c.id);
    c.link.close();
  }

  // ------------------------------------------------------------------ events out

  /**
   * Queues an event for one client; it rides the next packages, five at most per package. Returns
   * false if the client is gone or its queue is full. {@code callbacks} (nullable) get exactly one
   * of onAcked (the package carrying it was acknowledged) or onTimedOut (lost, or the client left).
   * An event outside the model or too large throws {@link IllegalArgumentException}.
   */
  public boolean dispatch(int clientId, PygaseEvent event, MessageCallbacks callbacks) {
    byte[] body = codec.encodeEvent(event);
    Client c = byId.get(clientId);
    return c != null && !closed && c.link.enqueue(body, callbacks);
  }

  /**
   * Queues an event for every client; {@code callbacksFor} (nullable) gives each client's
   * callbacks. Returns how many clients took it.
   */
  public int dispatchToAll(PygaseEvent event, IntFunction<MessageCallbacks> callbacksFor) {
    byte[] body = codec.encodeEvent(event);
    int n = 0;
    if (closed) {
      return 0;
    }
    for (Client c : byId.values()) {
      MessageCallbacks cb = callbacksFor == null ? null : callbacksFor.apply(c.id);
      if (c.link.enqueue(body, cb)) {
        n++;
      }
    }
    return n;
  }

  /** Forgets every client; their waiting events time out. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Client c : byId.values().toArray(new Client[0])) {
      drop(c);
    }
    pass.clear();
    passIndex = -1;
  }

  private void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      listenerFailures++;
    }
  }

  // ------------------------------------------------------------------ state

  public int clientCount() {
    return byId.size();
  }

  /** The host's client id while it is connected, else 0. */
  public int hostId() {
    return byId.containsKey(hostId) ? hostId : 0;
  }

  public InetSocketAddress address(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? null : c.address;
  }

  /** The time order the client last reported, or -1 if it is gone. */
  public int clientTimeOrder(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? -1 : c.timeOrder;
  }

  /** PyGaSe's latency of a client (EWMA of round trips, weight 0.1) in seconds, or -1. */
  public double latencySeconds(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? -1 : c.link.congestion().rtt().pygaseLatencySeconds();
  }

  /** A client's connection statistics (latency, quality, send interval, traffic), or null. */
  public ConnectionStats stats(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? null : c.link.stats();
  }

  /** A client's connection quality, or null if it is gone. */
  public CongestionController.Quality quality(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? null : c.link.congestion().quality();
  }

  /** The current interval between packages to a client (25 ms good, 50 ms bad), or -1. */
  public long sendIntervalNanos(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? -1 : c.link.congestion().sendIntervalNanos();
  }

  /** Events waiting for a package to a client, or -1. */
  public int queuedEvents(int clientId) {
    Client c = byId.get(clientId);
    return c == null ? -1 : c.link.queuedEvents();
  }

  /** Datagrams that are neither a PyGaSe package nor {@code shutdown}. */
  public long notPygaseDatagrams() {
    return notPygase;
  }

  /** PyGaSe datagrams that failed to decode. */
  public long malformedDatagrams() {
    return malformed;
  }

  /** Packages from new addresses dropped because {@code maxClients} were connected. */
  public long refusedDatagrams() {
    return refused;
  }

  /** Duplicate packages, and packages older than the ack window, dropped. */
  public long duplicateDatagrams() {
    return duplicates;
  }

  /** {@code shutdown} datagrams not from the host, or ignored by the config. */
  public long shutdownsIgnored() {
    return shutdownIgnored;
  }

  /** Send ticks skipped because the client's update did not fit in a 2048-byte package. */
  public long oversizedUpdates() {
    return oversizedUpdates;
  }

  /** Send ticks skipped because the state source threw or gave a value outside the model. */
  public long sourceFailures() {
    return sourceFailures;
  }

  /** Listener calls that threw (the endpoint goes on). */
  public long listenerFailures() {
    return listenerFailures;
  }
}
