package io.gamewire.transport;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.pygase.PygaseClientEndpoint;
import io.gamewire.protocol.pygase.PygaseConfig;
import io.gamewire.protocol.pygase.PygaseEvent;
import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.protocol.state.GameEvent;
import io.gamewire.protocol.state.GameStateStore;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.NativeStateFormat;
import io.gamewire.protocol.state.StateCodecConfig;
import io.gamewire.protocol.state.StateSyncReceiver;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.protocol.state.TimeOrder;
import io.gamewire.transport.internal.PygaseClientDriver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of a {@link GameServer}: it holds a copy of the game state that the server keeps in
 * sync, sends events to the server's handlers, and receives the server's events.
 *
 * <pre>{@code
 * try (GameClient client = GameClient.builder("127.0.0.1:7777")
 *         .on("PLAYER_CREATED", event -> System.out.println("I am " + event.arg(0)))
 *         .build()
 *         .connect()) {
 *   client.dispatch("JOIN", "alice");
 *   Map<Object, Object> state = client.state(); // an immutable snapshot
 * }
 * }</pre>
 *
 * <p><b>Profiles.</b> {@link Profile#NATIVE} (the default) speaks Gamewire's realtime protocol;
 * {@link Profile#PYGASE} speaks PyGaSe 0.3.1, to a PyGaSe server or to a {@link GameServer} (which
 * serves both). The API is the same; the PyGaSe wire has no handshake (connect waits for the first
 * server package), sends floats as float32 and acknowledges events per package.
 *
 * <p>Threads: state updates are decoded on the I/O thread as they arrive (no hand-off, no copy).
 * Each version is immutable and published whole with its time order, so {@link #state()} may be
 * read from any thread; {@link #withState} runs a callback under the client's lock, and no newer
 * version is published until it returns (the I/O thread never waits for it: the newest version
 * waiting is published as the lock is released). Event handlers run on the client's listener
 * thread, one at a time, in the order the server sent them.
 */
public final class GameClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GameClient.class);

  /** The wire a client speaks. */
  public enum Profile {
    NATIVE,
    PYGASE
  }

  /** A handler of events from the server. */
  @FunctionalInterface
  public interface EventHandler {
    void handle(GameEvent event);
  }

  private final Builder b;
  private final RealtimeClient realtime;
  private final PygaseClientDriver pygase;
  private final java.util.concurrent.CompletableFuture<Void> pygaseConnected =
      new java.util.concurrent.CompletableFuture<>();

  /** Dispatch may come from any thread: one event writer per thread. */
  private static final ThreadLocal<NativeStateFormat> EVENT_WRITERS =
      ThreadLocal.withInitial(() -> new NativeStateFormat(MsgpackLimits.DEFAULT));

  /** The native profile's versions and deltas; used on the I/O thread only. */
  private final StateSyncReceiver receiver;

  /** A state and its time order, published together. */
  private record Version(Map<Object, Object> state, int timeOrder) {}

  private final ReentrantLock lock = new ReentrantLock();
  private volatile Version current = new Version(StateTree.EMPTY, TimeOrder.NONE);

  /** The newest version decoded while a {@link #withState} reader held the lock. */
  private final AtomicReference<Version> unpublished = new AtomicReference<>();

  private boolean settleDue; // I/O thread: an update was offered since the last settle

  // Written by one thread (the I/O thread, or the PyGaSe driver's listener thread).
  private volatile long updatesApplied;
  private volatile long updatesIgnored;

  private GameClient(Builder b) {
    this.b = b;
    this.receiver = new StateSyncReceiver(b.codecConfig);
    if (b.profile == Profile.PYGASE) {
      this.realtime = null;
      this.pygase = new PygaseClientDriver(b.server, PygaseConfig.defaults(), new PygaseWire());
      return;
    }
    this.pygase = null;
    Wire wire = new Wire();
    RealtimeClient.Builder rb =
        RealtimeClient.builder(b.server)
            .config(b.config)
            .handshake(b.handshake)
            .listener(wire)
            .ioTap(wire);
    if (b.localAddress != null) {
      rb.localAddress(b.localAddress);
    }
    b.sideProtocols.forEach(rb::sideProtocol);
    if (b.ioThreads != null) {
      rb.ioThreads(b.ioThreads);
    }
    this.realtime = rb.build();
  }

  /** A client of the server at {@code host:port} or {@code [v6]:port} (default port 7777). */
  public static Builder builder(String server) {
    return new Builder(Addresses.resolve(server, RealtimeServer.DEFAULT_PORT));
  }

  public static Builder builder(InetSocketAddress server) {
    return new Builder(server);
  }

  /**
   * Connects and waits for the handshake (PyGaSe's blocking connect).
   *
   * @throws RealtimeConnectException when the server is unreachable, full, or speaks another
   *     version; the message says which
   */
  public GameClient connect() throws IOException {
    if (pygase != null) {
      try {
        connectAsync().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        close();
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        if (cause instanceof IOException io) {
          throw io;
        }
        throw new RealtimeConnectException(ConnectFailure.TIMED_OUT, Addresses.format(b.server));
      }
      return this;
    }
    realtime.connect();
    return this;
  }

  /** Connects in the background (PyGaSe's {@code connect_in_thread}). */
  public CompletableFuture<GameClient> connectAsync() {
    if (pygase != null) {
      try {
        pygase.start(b.ioThreads);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(
            new IOException("cannot reach " + Addresses.format(b.server) + ": " + e.getMessage()));
      }
      return pygaseConnected.thenApply(v -> this);
    }
    return realtime.connectAsync().thenApply(r -> this);
  }

  // ---------------------------------------------------------------- events

  /**
   * Sends an event to the server's handler for {@code type}, reliably and in order. Returns false
   * when not connected or the send queue is full. {@code callbacks} (nullable) get onAcked once the
   * server has it, or onTimedOut if the library gave up.
   */
  public boolean dispatch(
      String type,
      List<?> args,
      Map<String, ?> kwargs,
      RealtimeConnection.MessageCallbacks callbacks) {
    Objects.requireNonNull(type, "type");
    if (pygase != null) {
      return pygase.dispatch(PygaseEvent.of(type, args, kwargs), callbacks);
    }
    ByteBuf buf = Unpooled.buffer(64);
    try {
      EVENT_WRITERS.get().writeEvent(buf, type, args, kwargs);
      return realtime.send(NativeStateFormat.EVENT_CHANNEL, buf, callbacks);
    } finally {
      buf.release();
    }
  }

  /** Sends an event with positional arguments only. */
  public boolean dispatch(String type, Object... args) {
    return dispatch(type, List.of(args), Map.of(), null);
  }

  // ---------------------------------------------------------------- state (any thread)

  /** The newest state this client holds (immutable; empty before the first update). */
  public Map<Object, Object> state() {
    return current.state();
  }

  /** The time order of {@link #state()} (0 before the first update). */
  public int timeOrder() {
    return current.timeOrder();
  }

  public GameStatus status() {
    Object s = current.state().get(GameStateStore.GAME_STATUS);
    GameStatus g = s instanceof Long l ? GameStatus.fromWire(l) : null;
    return g == null ? GameStatus.PAUSED : g;
  }

  /**
   * Runs {@code reader} on the state under the client's lock: no newer version is published until
   * it returns. Updates go on arriving and being decoded meanwhile; keep the callback short.
   */
  public <T> T withState(Function<Map<Object, Object>, T> reader) {
    lock.lock();
    try {
      return reader.apply(current.state());
    } finally {
      unlockAndPublish();
    }
  }

  /**
   * Like {@link #withState(Function)} without a result (PyGaSe's {@code access_game_state}); a
   * separate name, since one lambda would fit both overloads.
   */
  public void accessState(Consumer<Map<Object, Object>> reader) {
    lock.lock();
    try {
      reader.accept(current.state());
    } finally {
      unlockAndPublish();
    }
  }

  /**
   * Makes {@code v} current, now if no reader holds the lock, else as the reader releases it. Never
   * waits: the I/O thread calls this.
   */
  private void publish(Version v) {
    unpublished.set(v);
    if (lock.tryLock()) {
      unlockAndPublish();
    }
  }

  /**
   * Publishes the waiting version and releases the lock; then looks again, since a version that
   * arrived just before the release found the lock taken and left its publication to us.
   */
  private void unlockAndPublish() {
    if (lock.getHoldCount() > 1) {
      lock.unlock(); // a nested withState: the outer one still reads
      return;
    }
    while (true) {
      Version v = unpublished.getAndSet(null);
      if (v != null) {
        current = v;
      }
      lock.unlock();
      if (unpublished.get() == null || !lock.tryLock()) {
        return;
      }
    }
  }

  public boolean isConnected() {
    return pygase != null ? pygase.isConnected() : realtime.isConnected();
  }

  /** The wire this client speaks. */
  public Profile profile() {
    return b.profile;
  }

  /** Smoothed round-trip time in milliseconds, or -1 before a measurement. */
  public double latencyMillis() {
    ConnectionStats s = stats();
    return s == null || s.rttNanos() == 0 ? -1 : s.rttNanos() / 1e6;
  }

  /** Connection statistics (RTT, loss, bytes and packets) or null before connecting. */
  public ConnectionStats stats() {
    return pygase != null ? pygase.stats() : realtime.stats();
  }

  public InetSocketAddress localAddress() {
    return pygase != null ? pygase.localAddress() : realtime.localAddress();
  }

  // ---------------------------------------------------------------- leaving

  /**
   * Leaves the server; with {@code shutdownServer} a host client first asks the server to stop
   * (servers ignore the request from other clients).
   */
  public void disconnect(boolean shutdownServer) {
    if (pygase != null) {
      pygase.disconnectAndWait(shutdownServer);
      close();
      return;
    }
    if (shutdownServer && realtime.isConnected()) {
      ByteBuf buf = Unpooled.buffer(1);
      try {
        EVENT_WRITERS.get().writeShutdown(buf);
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        realtime.send(
            NativeStateFormat.EVENT_CHANNEL,
            buf,
            new RealtimeConnection.MessageCallbacks() {
              @Override
              public void onAcked() {
                delivered.complete(null);
              }

              @Override
              public void onTimedOut() {
                delivered.complete(null);
              }
            });
        delivered.get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.debug("shutdown request not confirmed: {}", e.toString());
      } finally {
        buf.release();
      }
    }
    close();
  }

  @Override
  public void close() {
    if (pygase != null) {
      pygase.close();
    } else {
      realtime.close();
    }
  }

  // ---------------------------------------------------------------- the wire side

  /**
   * An UPDATE, on the I/O thread: kept, and decoded at the end of the read batch if it is then the
   * newest ({@link #settleUpdates}).
   */
  private void onUpdate(ByteBuf message) throws MalformedMessageException {
    switch (receiver.offer(System.nanoTime(), message)) {
      case APPLIED -> {
        updatesApplied++;
        settleDue = true;
      }
      case RESYNC -> {
        updatesIgnored++;
        requestResync(receiver.timeOrder());
      }
      default -> updatesIgnored++;
    }
  }

  /** The end of a read batch: the newest update is decoded and published. */
  private void settleUpdates() {
    if (!settleDue) {
      return;
    }
    settleDue = false;
    try {
      if (receiver.settle()) {
        publish(new Version(receiver.state(), receiver.timeOrder()));
      }
    } catch (MalformedMessageException e) {
      log.debug("server sent a malformed update: {}", e.getMessage());
    }
  }

  /** Asks the server to start over from the version held. */
  private void requestResync(int held) {
    ByteBuf buf = Unpooled.buffer(3);
    try {
      EVENT_WRITERS.get().writeResync(buf, held);
      realtime.send(NativeStateFormat.EVENT_CHANNEL, buf, null);
    } finally {
      buf.release();
    }
  }

  /** Updates applied and ignored (older than the state held, or without a known base). */
  public long[] updateCounts() {
    return new long[] {updatesApplied, updatesIgnored};
  }

  private void handleServerEvent(GameEvent e) {
    EventHandler h = b.handlers.get(e.type());
    if (h == null) {
      log.debug("no handler for server event {}", e.type());
      return;
    }
    try {
      h.handle(e);
    } catch (RuntimeException ex) {
      log.warn("a server event handler failed", ex);
    }
  }

  /** PyGaSe-profile callbacks, on the driver's listener thread. */
  private final class PygaseWire implements PygaseClientEndpoint.Listener {
    @Override
    public void onConnected() {
      pygaseConnected.complete(null);
    }

    @Override
    public void onStateChanged(Map<Object, Object> tree, int t, GameStatus status) {
      Map<Object, Object> withStatus = new LinkedHashMap<>(tree);
      withStatus.put(GameStateStore.GAME_STATUS, (long) status.wire());
      Map<Object, Object> frozen = java.util.Collections.unmodifiableMap(withStatus);
      updatesApplied++;
      publish(new Version(frozen, t));
    }

    @Override
    public void onEvent(PygaseEvent event) {
      handleServerEvent(
          new GameEvent(event.type(), event.args(), event.kwargs(), GameEvent.SERVER));
    }

    @Override
    public void onDisconnected(boolean timedOut) {
      pygaseConnected.completeExceptionally(
          new RealtimeConnectException(ConnectFailure.TIMED_OUT, Addresses.format(b.server)));
      b.onDisconnect.accept(timedOut ? "timed out" : "disconnected");
    }
  }

  private final class Wire implements RealtimeClientListener, RealtimeClient.IoMessageTap {
    private final NativeStateFormat eventFormat = new NativeStateFormat(MsgpackLimits.DEFAULT);

    /** Updates are taken on the I/O thread; everything else goes on to {@link #onMessage}. */
    @Override
    public boolean onIoMessage(int channel, ByteBuf message) {
      if (NativeStateFormat.kind(message) != NativeStateFormat.UPDATE) {
        return false;
      }
      try {
        onUpdate(message);
      } catch (MalformedMessageException e) {
        log.debug("server sent a malformed update: {}", e.getMessage());
      } catch (RuntimeException e) {
        log.warn("an update could not be applied", e);
      }
      return true;
    }

    @Override
    public void onIoReadComplete() {
      settleUpdates();
    }

    @Override
    public void onMessage(int channel, byte[] message) {
      ByteBuf buf = Unpooled.wrappedBuffer(message);
      try {
        switch (NativeStateFormat.kind(buf)) {
          case NativeStateFormat.EVENT -> {
            handleServerEvent(eventFormat.readEvent(buf, GameEvent.SERVER));
          }
          default -> log.debug("server sent an unknown message kind");
        }
      } catch (MalformedMessageException e) {
        log.debug("server sent a malformed message: {}", e.getMessage());
      } catch (RuntimeException e) {
        log.warn("a server event handler failed", e);
      }
    }

    @Override
    public void onDisconnected(int code, String text, boolean byPeer) {
      b.onDisconnect.accept(text);
    }
  }

  /** Configures a {@link GameClient}. */
  public static final class Builder {
    private final InetSocketAddress server;
    private final Map<String, EventHandler> handlers = new HashMap<>();
    private RealtimeConfig config = RealtimeConfig.defaults();
    private HandshakeConfig handshake = HandshakeConfig.defaults();
    private InetSocketAddress localAddress;
    private IoThreads ioThreads;
    private final java.util.List<SideProtocol> sideProtocols = new java.util.ArrayList<>();
    private Consumer<String> onDisconnect = reason -> {};
    private Profile profile = Profile.NATIVE;
    private StateCodecConfig codecConfig = StateCodecConfig.EXACT;

    private Builder(InetSocketAddress server) {
      this.server = Objects.requireNonNull(server, "server");
    }

    /** The handler of one type of server event; it runs on the client's listener thread. */
    public Builder on(String type, EventHandler handler) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(handler, "handler");
      if (handlers.putIfAbsent(type, handler) != null) {
        throw new IllegalArgumentException("a handler for event type '" + type + "' exists");
      }
      return this;
    }

    /** The server's float quantum ({@link GameServer.Builder#floatQuantum}); default 0, exact. */
    public Builder floatQuantum(double quantum) {
      this.codecConfig = StateCodecConfig.EXACT.withFloatQuantum(quantum);
      return this;
    }

    /** The wire to speak (default {@link Profile#NATIVE}). */
    public Builder profile(Profile profile) {
      this.profile = Objects.requireNonNull(profile, "profile");
      return this;
    }

    /** Called once when the connection ends, with the reason text. */
    public Builder onDisconnect(Consumer<String> callback) {
      this.onDisconnect = Objects.requireNonNull(callback, "callback");
      return this;
    }

    /** The realtime settings; they must match the server's. */
    public Builder config(RealtimeConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder handshake(HandshakeConfig handshake) {
      this.handshake = Objects.requireNonNull(handshake, "handshake");
      return this;
    }

    /** Binds the client's socket to this local address (for NAT punch-through). */
    public Builder localAddress(InetSocketAddress local) {
      this.localAddress = Objects.requireNonNull(local, "local");
      return this;
    }

    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    /** Shares the client's socket with another protocol (native profile only). */
    public Builder sideProtocol(SideProtocol protocol) {
      sideProtocols.add(Objects.requireNonNull(protocol, "protocol"));
      return this;
    }

    /** The server this client will connect to. */
    public InetSocketAddress server() {
      return server;
    }

    public GameClient build() {
      StateSyncChannels.check(config);
      return new GameClient(this);
    }
  }
}
