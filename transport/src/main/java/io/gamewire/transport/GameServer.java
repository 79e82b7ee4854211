package io.gamewire.transport;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.pygase.PygaseConfig;
import io.gamewire.protocol.pygase.PygaseEvent;
import io.gamewire.protocol.pygase.PygaseServerEndpoint;
import io.gamewire.protocol.pygase.PygaseUpdate;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.protocol.state.GameEvent;
import io.gamewire.protocol.state.GameStateMachine;
import io.gamewire.protocol.state.GameStateStore;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.NativeStateFormat;
import io.gamewire.protocol.state.StateCodecConfig;
import io.gamewire.protocol.state.StateDeltaCodec;
import io.gamewire.protocol.state.StateSyncSender;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.transport.internal.PygaseServerSide;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An authoritative game server (PyGaSe's Backend and Server in one): it owns the game state, runs
 * the game loop on a thread of its own, and keeps every client's copy in sync.
 *
 * <pre>{@code
 * GameServer server = GameServer.builder()
 *     .bind("0.0.0.0:7777")
 *     .initialState(Map.of("players", Map.of()))
 *     .timeStep((state, dt) -> Map.of())
 *     .on("MOVE", (event, state, dt) -> Map.of("players", Map.of(event.clientId(), event.arg(0))))
 *     .build()
 *     .start();
 * }</pre>
 *
 * <p>Each send tick every client gets, on an unreliable packet, the change from the version it has
 * confirmed to the current one (the full state if it has none or fell out of the cache); the ack of
 * that packet confirms the new version. Events from clients reach the handlers on the game thread,
 * in order per client. The first client to connect is the host; with {@code hostCanShutdown} (the
 * default) its shutdown request stops the server.
 *
 * <p><b>Two profiles on one socket.</b> Besides Gamewire's native realtime clients, the server
 * speaks PyGaSe 0.3.1 (docs/PYGASE.md) to PyGaSe clients on the same port, telling them apart by
 * protocol id; it sends them the update since the time order they report, as PyGaSe does. Their
 * client ids have bit 30 set ({@link #PYGASE_CLIENT_BIT}) so ids of the two profiles never clash.
 */
public final class GameServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GameServer.class);

  /** Join and leave notifications; they run on the listener executor of the realtime server. */
  public interface Listener {
    default void onJoin(int clientId, InetSocketAddress address) {}

    default void onLeave(int clientId, int code, String text) {}

    /** The host asked the server to stop (and it will, if {@code hostCanShutdown}). */
    default void onShutdownRequested(int clientId) {}
  }

  /** Set in the ids of PyGaSe-profile clients. */
  public static final int PYGASE_CLIENT_BIT = 1 << 30;

  private final Builder b;
  private final GameStateStore store;
  private final StateDeltaCodec codec;

  private final GameStateMachine machine;
  private final RealtimeServer realtime;
  private final StateSyncSender sync;
  private final Map<Integer, Boolean> pygaseClients = new ConcurrentHashMap<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicInteger hostId = new AtomicInteger();

  /**
   * Listener callbacks of different clients, and dispatches from game code, run on different
   * threads: one codec each (its MessagePack reader and writer are not thread-safe).
   */
  private static final ThreadLocal<NativeStateFormat> FORMATS =
      ThreadLocal.withInitial(() -> new NativeStateFormat(MsgpackLimits.DEFAULT));

  private final PygaseServerSide pygase;
  private final ExecutorService pygaseListener;
  private volatile Thread gameThread;
  private volatile long ticksSent;

  private GameServer(Builder b) {
    this.b = b;
    this.codec = new StateDeltaCodec(b.codecConfig);
    this.store =
        new GameStateStore(codec.quantize(StateTree.freeze(b.initialState, false)), b.cacheSize);
    GameStateMachine.Builder mb =
        GameStateMachine.builder(store)
            .tickRate(b.tickRate)
            .maxEventsPerTick(b.maxEventsPerTick)
            .updateFilter(codec::quantize);
    if (b.timeStep != null) {
      mb.timeStep(b.timeStep);
    }
    b.handlers.forEach(mb::handler);
    this.machine = mb.build();
    this.sync = new StateSyncSender(store, codec.encoder(), b.config.maxMessageBytes());
    RealtimeServer.Builder rb =
        RealtimeServer.builder()
            .bind(b.bindAddress)
            .config(b.config)
            .handshake(b.handshake)
            .maxClients(b.maxClients)
            .listener(new Wire());
    if (b.ioThreads != null) {
      rb.ioThreads(b.ioThreads);
    }
    if (b.pygaseProfile) {
      pygaseListener =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "gamewire-pygase-listener");
                t.setDaemon(true);
                return t;
              });
      pygase =
          new PygaseServerSide(
              PygaseConfig.defaults().withMaxClients(b.maxClients),
              this::pygaseUpdateFor,
              new PygaseWire(),
              pygaseListener);
      rb.sideProtocol(pygase);
    } else {
      pygase = null;
      pygaseListener = null;
    }
    b.sideProtocols.forEach(rb::sideProtocol);
    this.realtime = rb.build();
  }

  /**
   * What a PyGaSe client holding {@code clientTimeOrder} gets (on the I/O thread): the diff to the
   * current version, or the full state with its status; {@code game_status} travels in the record's
   * field, not among the changes.
   */
  private PygaseUpdate pygaseUpdateFor(int clientTimeOrder) {
    GameStateStore.Version now = store.current();
    boolean full = store.isFullFor(clientTimeOrder);
    Map<Object, Object> changes = store.updateSince(clientTimeOrder, now);
    GameStatus status = null;
    if (full || changes.containsKey(GameStateStore.GAME_STATUS)) {
      Object s = now.state().get(GameStateStore.GAME_STATUS);
      status = s instanceof Long l ? GameStatus.fromWire(l) : GameStatus.PAUSED;
      Map<Object, Object> without = new java.util.LinkedHashMap<>(changes);
      without.remove(GameStateStore.GAME_STATUS);
      changes =
          without.isEmpty() ? StateTree.EMPTY : java.util.Collections.unmodifiableMap(without);
    }
    return new PygaseUpdate(now.timeOrder(), status, changes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds, starts the game (status active) and its loop. Returns this server. */
  public GameServer start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the server was already started");
    }
    realtime.start();
    Thread t = new Thread(this::loop, "gamewire-game-loop");
    t.setDaemon(true);
    gameThread = t;
    t.start();
    return this;
  }

  // ---------------------------------------------------------------- the game loop

  private void loop() {
    long sendNanos = 1_000_000_000L / b.sendRate;
    long nextSend = System.nanoTime();
    machine.resume();
    try {
      while (!closed.get()) {
        long now = System.nanoTime();
        // Sends follow ticks: a send clock of its own drifts against the tick's, and a send just
        // before its tick carries nothing new while the next carries two ticks.
        if (machine.tick(now) && now - nextSend >= -sendNanos / 2) {
          sendUpdates();
          nextSend = now - nextSend > sendNanos ? now + sendNanos : nextSend + sendNanos;
        }
        long wake = machine.nextTickNanos();
        long wait = wake - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      }
    } catch (RuntimeException | Error e) {
      log.error("the game loop failed; the server stops", e);
      closeAsync();
    } finally {
      stopped.countDown();
    }
  }

  /** Sends each client the change since its confirmed version (see {@link StateSyncSender}). */
  private void sendUpdates() {
    sync.poll(
        (clientId, bytes, callbacks) ->
            realtime.send(clientId, NativeStateFormat.STATE_CHANNEL, bytes, callbacks));
    ticksSent++;
  }

  // ---------------------------------------------------------------- events to clients

  /**
   * Sends an event to one client on the reliable channel. Returns false when the client is gone or
   * the send queue is full. {@code callbacks} (nullable) get onAcked or onTimedOut.
   */
  public boolean dispatch(
      int clientId,
      String type,
      List<?> args,
      Map<String, ?> kwargs,
      RealtimeConnection.MessageCallbacks callbacks) {
    if ((clientId & PYGASE_CLIENT_BIT) != 0) {
      return pygase != null
          && pygase.dispatch(
              clientId & ~PYGASE_CLIENT_BIT, PygaseEvent.of(type, args, kwargs), callbacks);
    }
    byte[] bytes = encodeEvent(type, args, kwargs);
    return realtime.send(clientId, NativeStateFormat.EVENT_CHANNEL, bytes, callbacks);
  }

  public boolean dispatch(int clientId, String type, Object... args) {
    return dispatch(clientId, type, List.of(args), Map.of(), null);
  }

  /** Sends an event to every connected client; false if the send queue is full. */
  public boolean dispatchToAll(String type, List<?> args, Map<String, ?> kwargs) {
    boolean ok =
        realtime.broadcast(NativeStateFormat.EVENT_CHANNEL, encodeEvent(type, args, kwargs));
    if (pygase != null) {
      ok &= pygase.dispatchToAll(PygaseEvent.of(type, args, kwargs));
    }
    return ok;
  }

  private static byte[] encodeEvent(String type, List<?> args, Map<String, ?> kwargs) {
    Objects.requireNonNull(type, "type");
    ByteBuf buf = Unpooled.buffer(64);
    try {
      FORMATS.get().writeEvent(buf, type, args, kwargs);
      byte[] out = new byte[buf.readableBytes()];
      buf.readBytes(out);
      return out;
    } finally {
      buf.release();
    }
  }

  /** Queues an event for the game loop as if the server raised it ({@link GameEvent#SERVER}). */
  public boolean queueEvent(String type, List<?> args, Map<String, ?> kwargs) {
    Map<Object, Object> frozen =
        io.gamewire.protocol.state.StateTree.freeze(
            Map.of("a", args == null ? List.of() : args, "k", kwargs == null ? Map.of() : kwargs),
            false);
    @SuppressWarnings("unchecked")
    List<Object> a = (List<Object>) frozen.get("a");
    @SuppressWarnings("unchecked")
    Map<String, Object> k = (Map<String, Object>) (Map<?, ?>) frozen.get("k");
    return machine.queueEvent(new GameEvent(type, a, k, GameEvent.SERVER));
  }

  // ---------------------------------------------------------------- state (any thread)

  /** The current version of the state (immutable). */
  public Map<Object, Object> state() {
    return store.state();
  }

  public int timeOrder() {
    return store.timeOrder();
  }

  public InetSocketAddress localAddress() {
    return realtime.localAddress();
  }

  /** Clients connected now, both profiles. */
  /** State send ticks so far: each sends every client its update (a timing probe for benches). */
  public long sendTicks() {
    return ticksSent;
  }

  public int clientCount() {
    return sync.clientCount() + pygaseClients.size();
  }

  /** The version a client has confirmed, or -1 if it is not connected. */
  public int confirmedTimeOrder(int clientId) {
    return sync.confirmed(clientId);
  }

  /** The host client's id, or 0 before the first client. */
  public int hostId() {
    return hostId.get();
  }

  /** The realtime server underneath, for statistics. */
  public RealtimeServer realtime() {
    return realtime;
  }

  /** Waits until the server stopped (closed, or shut down by the host); false on timeout. */
  public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
    return stopped.await(timeout, unit);
  }

  public boolean isRunning() {
    return started.get() && !closed.get();
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Thread t = gameThread;
    if (t != null && t != Thread.currentThread()) {
      LockSupport.unpark(t);
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    realtime.close();
    if (pygaseListener != null) {
      pygaseListener.shutdown();
    }
    stopped.countDown();
  }

  private void closeAsync() {
    Thread closer = new Thread(this::close, "gamewire-game-server-close");
    closer.setDaemon(true);
    closer.start();
  }

  // ---------------------------------------------------------------- the wire side

  /** Realtime events, on the realtime server's listener executor (in order per client). */
  private final class Wire implements RealtimeServerListener {
    @Override
    public void onConnected(int clientId, InetSocketAddress address) {
      sync.addClient(clientId);
      hostId.compareAndSet(0, clientId);
      b.listener.onJoin(clientId, address);
    }

    @Override
    public void onMessage(int clientId, int channel, byte[] message) {
      ByteBuf buf = Unpooled.wrappedBuffer(message);
      try {
        switch (NativeStateFormat.kind(buf)) {
          case NativeStateFormat.EVENT -> {
            GameEvent e = FORMATS.get().readEvent(buf, clientId);
            if (!machine.queueEvent(e)) {
              log.debug("event queue full; dropped {} from client {}", e.type(), clientId);
            }
          }
          case NativeStateFormat.SHUTDOWN -> shutdownRequest(clientId);
          case NativeStateFormat.RESYNC -> {
            sync.resync(clientId, FORMATS.get().readResync(buf));
          }
          default -> log.debug("client {} sent an unknown message kind", clientId);
        }
      } catch (MalformedMessageException e) {
        log.debug("client {} sent a malformed message: {}", clientId, e.getMessage());
      }
    }

    @Override
    public void onDisconnected(int clientId, int code, String text, boolean byPeer) {
      sync.removeClient(clientId);
      b.listener.onLeave(clientId, code, text);
    }
  }

  /** PyGaSe-profile events, on the PyGaSe listener thread (one at a time, in order). */
  private final class PygaseWire implements PygaseServerEndpoint.Listener {
    @Override
    public void onClientJoined(int clientId, InetSocketAddress address, boolean host) {
      int id = clientId | PYGASE_CLIENT_BIT;
      pygaseClients.put(id, Boolean.TRUE);
      hostId.compareAndSet(0, id);
      b.listener.onJoin(id, address);
    }

    @Override
    public void onEvent(int clientId, PygaseEvent event) {
      GameEvent e =
          new GameEvent(event.type(), event.args(), event.kwargs(), clientId | PYGASE_CLIENT_BIT);
      if (!machine.queueEvent(e)) {
        log.debug("event queue full; dropped {} from PyGaSe client {}", e.type(), clientId);
      }
    }

    @Override
    public void onClientLeft(int clientId) {
      int id = clientId | PYGASE_CLIENT_BIT;
      pygaseClients.remove(id);
      b.listener.onLeave(id, RealtimeConnection.REASON_TIMEOUT, "timed out");
    }

    @Override
    public void onShutdownRequested(int hostClientId) {
      shutdownRequest(hostClientId | PYGASE_CLIENT_BIT);
    }
  }

  private void shutdownRequest(int clientId) {
    if (clientId != hostId.get()) {
      log.debug("client {} asked for a shutdown but is not the host", clientId);
      return;
    }
    b.listener.onShutdownRequested(clientId);
    if (b.hostCanShutdown) {
      log.info("the host (client {}) shut the server down", clientId);
      closeAsync();
    }
  }

  /** Configures a {@link GameServer}; every setting has a safe default. */
  public static final class Builder {
    private String bindAddress = "0.0.0.0:" + RealtimeServer.DEFAULT_PORT;
    private Map<?, ?> initialState = Map.of();
    private GameStateMachine.TimeStep timeStep;
    private final Map<String, GameStateMachine.EventHandler> handlers = new HashMap<>();
    private int tickRate = 50;
    private int sendRate = 0;
    private int maxEventsPerTick = 1024;
    private int cacheSize = GameStateStore.DEFAULT_CACHE_SIZE;
    private int maxClients = 64;
    private boolean hostCanShutdown = true;
    private RealtimeConfig config = RealtimeConfig.defaults();
    private HandshakeConfig handshake = HandshakeConfig.defaults();
    private Listener listener = new Listener() {};
    private IoThreads ioThreads;
    private final List<SideProtocol> sideProtocols = new ArrayList<>();
    private boolean pygaseProfile = true;
    private StateCodecConfig codecConfig = StateCodecConfig.EXACT;

    private Builder() {}

    /**
     * Rounds every float of the state to multiples of {@code quantum} (e.g. 0.01), which the native
     * profile then sends as small integer deltas; clients must use the same quantum ({@link
     * GameClient.Builder#floatQuantum}). Default 0: floats exact.
     */
    public Builder floatQuantum(double quantum) {
      this.codecConfig = StateCodecConfig.EXACT.withFloatQuantum(quantum);
      return this;
    }

    /** Whether PyGaSe 0.3.1 clients are served on the same port (default true). */
    public Builder pygaseProfile(boolean served) {
      this.pygaseProfile = served;
      return this;
    }

    /** {@code host:port} or {@code [v6]:port}; default {@code 0.0.0.0:7777}. */
    public Builder bind(String address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The state the game starts from (string or integer keys; see StateTree for values). */
    public Builder initialState(Map<?, ?> state) {
      this.initialState = Objects.requireNonNull(state, "state");
      return this;
    }

    public Builder timeStep(GameStateMachine.TimeStep step) {
      this.timeStep = Objects.requireNonNull(step, "step");
      return this;
    }

    /** The handler of one event type; it runs on the game thread. */
    public Builder on(String type, GameStateMachine.EventHandler handler) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(handler, "handler");
      if (handlers.putIfAbsent(type, handler) != null) {
        throw new IllegalArgumentException("a handler for event type '" + type + "' exists");
      }
      return this;
    }

    /** Game ticks per second (default 50). */
    public Builder tickRate(int hz) {
      if (hz < 1 || hz > 1000) {
        throw new IllegalArgumentException("tickRate must be in 1..1000 Hz, was " + hz);
      }
      this.tickRate = hz;
      return this;
    }

    /** State updates per second to each client (default: the tick rate). */
    public Builder sendRate(int hz) {
      if (hz < 1 || hz > 1000) {
        throw new IllegalArgumentException("sendRate must be in 1..1000 Hz, was " + hz);
      }
      this.sendRate = hz;
      return this;
    }

    public Builder maxEventsPerTick(int n) {
      this.maxEventsPerTick = n;
      return this;
    }

    /** Versions kept for clients that confirmed an older one (default 100). */
    public Builder cacheSize(int n) {
      this.cacheSize = n;
      return this;
    }

    public Builder maxClients(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxClients must be at least 1, was " + n);
      }
      this.maxClients = n;
      return this;
    }

    /** Whether the host's shutdown request stops the server (default true, as in PyGaSe). */
    public Builder hostCanShutdown(boolean allowed) {
      this.hostCanShutdown = allowed;
      return this;
    }

    /**
     * The realtime settings; channel 0 must be reliable-ordered and 1 unreliable. Unless {@code
     * maxAckDelayNanos} is set in it, the server holds the acks of what clients send until its next
     * state send, up to 1.25 send periods (at most 100 ms): they ride on the update instead of
     * packets of their own, and the wait travels with them so the clients' RTT stays true.
     */
    public Builder config(RealtimeConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder handshake(HandshakeConfig handshake) {
      this.handshake = Objects.requireNonNull(handshake, "handshake");
      return this;
    }

    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    /** Shares the game socket with another protocol (a connector registration, discovery). */
    public Builder sideProtocol(SideProtocol protocol) {
      sideProtocols.add(Objects.requireNonNull(protocol, "protocol"));
      return this;
    }

    public GameServer build() {
      if (sendRate == 0) {
        sendRate = tickRate;
      }
      if (config.maxAckDelayNanos() == RealtimeConfig.DEFAULT_MAX_ACK_DELAY_NANOS) {
        long period = 1_000_000_000L / sendRate;
        config =
            config.withMaxAckDelayNanos(
                Math.min(RealtimeConfig.MAX_ACK_DELAY_NANOS, period + period / 4));
      }
      StateSyncChannels.check(config);
      return new GameServer(this);
    }
  }
}
