package io.gamewire.protocol.pygase;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.realtime.CongestionController;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.protocol.state.TimeOrder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * The client side of the PyGaSe 0.3.1 profile (docs/PYGASE.md), sans-I/O. After {@link #connect} it
 * sends one client package per send interval (40 Hz, 20 Hz while its latency is bad) carrying the
 * time order of its state and up to five queued events; there is no handshake, the first server
 * package makes it connected. A server update is applied only if its time order is newer
 * (wrap-aware) than the state's, by {@link StateTree#merge}, and each new state version goes to the
 * listener. Server events, with positional and keyword arguments, go to the listener too.
 *
 * <p>Datagrams from other addresses, malformed, duplicate and reordered packages are counted and
 * dropped; none throws or ends the connection. The connection ends when the server is silent for
 * the connection timeout (5 s), or on {@link #disconnect}, which can also send the host's {@code
 * shutdown} datagram. Not thread-safe.
 */
public final class PygaseClientEndpoint implements AutoCloseable {

  /** Receives the client's events; callbacks run inside the endpoint's calls. */
  public interface Listener {
    /** The first server package arrived. */
    default void onConnected() {}

    /** A newer state version: the merged tree (frozen), its time order and the game status. */
    default void onStateChanged(Map<Object, Object> state, int timeOrder, GameStatus status) {}

    /** An event from the server. */
    default void onEvent(PygaseEvent event) {}

    /** The connection ended: {@code timedOut} when the server was silent too long. */
    default void onDisconnected(boolean timedOut) {}
  }

  /** PyGaSe's connection status. */
  public enum Status {
    IDLE,
    CONNECTING,
    CONNECTED,
    DISCONNECTED
  }

  private final PygaseConfig config;
  private final InetSocketAddress server;
  private final ByteBufAllocator alloc;
  private final Listener listener;
  private final PygaseCodec codec = new PygaseCodec();
  private PygaseLink link;
  private Status status = Status.IDLE;
  private Map<Object, Object> state = StateTree.EMPTY;
  private int timeOrder = TimeOrder.NONE;
  private GameStatus gameStatus = GameStatus.PAUSED;
  private boolean shutdownPending;

  private long foreign;
  private long malformed;
  private long duplicates;
  private long staleUpdates;
  private long listenerFailures;

  public PygaseClientEndpoint(
      PygaseConfig config, InetSocketAddress server, ByteBufAllocator alloc, Listener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.server = Objects.requireNonNull(server, "server");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Starts sending; the first package goes out at the next poll. Call once. */
  public void connect(long nowNanos) {
    if (status != Status.IDLE) {
      throw new IllegalStateException(
          "connect was already called (status " + status + "); use a new endpoint to reconnect");
    }
    status = Status.CONNECTING;
    link = new PygaseLink(config, nowNanos);
  }

  // ------------------------------------------------------------------ receiving

  /** A datagram from {@code from}; the caller keeps ownership. Never throws for its contents. */
  public void handleDatagram(long nowNanos, InetSocketAddress from, ByteBuf datagram) {
    if (!server.equals(from)) {
      foreign++;
      return;
    }
    if (status != Status.CONNECTING && status != Status.CONNECTED) {
      return;
    }
    PygaseServerPackage p;
    try {
      p = codec.decodeServerPackage(datagram);
    } catch (MalformedMessageException e) {
      malformed++;
      return;
    }
    if (!link.onPackage(
        nowNanos, p.sequence(), p.ack(), p.ackBitfield(), datagram.readableBytes())) {
      duplicates++;
      return;
    }
    if (status == Status.CONNECTING) {
      status = Status.CONNECTED;
      notify(listener::onConnected);
    }
    PygaseUpdate u = p.update();
    if (TimeOrder.isNewer(u.timeOrder(), timeOrder)) {
      state = StateTree.merge(state, u.changes());
      timeOrder = u.timeOrder();
      if (u.gameStatus() != null) {
        gameStatus = u.gameStatus();
      }
      Map<Object, Object> s = state;
      int t = timeOrder;
      GameStatus g = gameStatus;
      notify(() -> listener.onStateChanged(s, t, g));
    } else {
      staleUpdates++;
    }
    for (PygaseEvent e : p.events()) {
      notify(() -> listener.onEvent(e));
    }
  }

  // ------------------------------------------------------------------ sending and timers

  /**
   * The next datagram to send to {@link #server()} now, or null. The caller owns (and releases) it.
   */
  public ByteBuf pollDatagram(long nowNanos) {
    if (shutdownPending) {
      shutdownPending = false;
      return Unpooled.wrappedBuffer(PygaseWire.shutdownBytes());
    }
    if ((status != Status.CONNECTING && status != Status.CONNECTED) || !link.sendDue(nowNanos)) {
      return null;
    }
    ByteBuf d = alloc.buffer(PygaseWire.MAX_PACKAGE_BYTES);
    int seq = link.nextSequence();
    PygaseCodec.writeHeader(d, seq, link.ack(), link.ackBitfield());
    d.writeShort(timeOrder);
    PygaseLink.Queued[] events = link.takeEvents(PygaseWire.MAX_PACKAGE_BYTES - d.readableBytes());
    for (PygaseLink.Queued q : events) {
      PygaseCodec.appendEvent(d, q.body());
    }
    link.onSent(nowNanos, seq, d.readableBytes(), events);
    return d;
  }

  /** When {@link #handleTimeout} or {@link #pollDatagram} next has work, or Long.MAX_VALUE. */
  public long nextTimeoutNanos() {
    if (shutdownPending) {
      return Long.MIN_VALUE;
    }
    if (status != Status.CONNECTING && status != Status.CONNECTED) {
      return Long.MAX_VALUE;
    }
    return link.nextTimeoutNanos();
  }

  public void handleTimeout(long nowNanos) {
    if (status != Status.CONNECTING && status != Status.CONNECTED) {
      return;
    }
    link.handleTimeout(nowNanos);
    if (link.timedOut(nowNanos)) {
      end();
      notify(() -> listener.onDisconnected(true));
    }
  }

  // ------------------------------------------------------------------ events and ending

  /**
   * Queues an event for the server. Returns false if the connection has ended or the queue is full.
   * {@code callbacks} (nullable) get exactly one of onAcked or onTimedOut. An event outside the
   * model or too large throws {@link IllegalArgumentException}; so does a call before connect.
   */
  public boolean dispatch(PygaseEvent event, MessageCallbacks callbacks) {
    if (status == Status.IDLE) {
      throw new IllegalStateException("call connect before dispatching events");
    }
    byte[] body = codec.encodeEvent(event);
    return status != Status.DISCONNECTED && link.enqueue(body, callbacks);
  }

  /**
   * Ends the connection; waiting events time out. With {@code shutdownServer}, the next poll
   * returns PyGaSe's {@code shutdown} datagram, which stops the server if this client is its host.
   */
  public void disconnect(long nowNanos, boolean shutdownServer) {
    if (status == Status.CONNECTING || status == Status.CONNECTED) {
      shutdownPending = shutdownServer;
      end();
      notify(() -> listener.onDisconnected(false));
    }
  }

  private void end() {
    status = Status.DISCONNECTED;
    link.close();
  }

  /** Ends the connection without telling anyone. Idempotent. */
  @Override
  public void close() {
    shutdownPending = false;
    if (status == Status.CONNECTING || status == Status.CONNECTED) {
      end();
    }
    status = Status.DISCONNECTED;
  }

  private void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      listenerFailures++;
    }
  }

  // ------------------------------------------------------------------ state

  public InetSocketAddress server() {
    return server;
  }

  public Status status() {
    return status;
  }

  public boolean isConnected() {
    return status == Status.CONNECTED;
  }

  /** The current state version (frozen). */
  public Map<Object, Object> state() {
    return state;
  }

  /** The time order of the current state, 0 before the first update. */
  public int timeOrder() {
    return timeOrder;
  }

  public GameStatus gameStatus() {
    return gameStatus;
  }

  /** PyGaSe's latency (EWMA of round trips, weight 0.1) in seconds; 0 before connecting. */
  public double latencySeconds() {
    return link == null ? 0 : link.congestion().rtt().pygaseLatencySeconds();
  }

  /** The connection's statistics (latency, quality, send interval, traffic), or null before. */
  public ConnectionStats stats() {
    return link == null ? null : link.stats();
  }

  public CongestionController.Quality quality() {
    return link == null ? CongestionController.Quality.GOOD : link.congestion().quality();
  }

  /** The current interval between packages (25 ms good, 50 ms bad). */
  public long sendIntervalNanos() {
    return link == null
        ? Math.round(1e9 / config.congestion().goodSendRateHz())
        : link.congestion().sendIntervalNanos();
  }

  public int queuedEvents() {
    return link == null ? 0 : link.queuedEvents();
  }

  public long foreignDatagrams() {
    return foreign;
  }

  public long malformedDatagrams() {
    return malformed;
  }

  public long duplicateDatagrams() {
    return duplicates;
  }

  /** Updates not newer than the state, not applied (reordered or repeated). */
  public long staleUpdates() {
    return staleUpdates;
  }

  public long listenerFailures() {
    return listenerFailures;
  }
}
