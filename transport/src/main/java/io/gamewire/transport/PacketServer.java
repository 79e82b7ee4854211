package io.gamewire.transport;

import io.gamewire.protocol.packet.CloseReasons;
import io.gamewire.protocol.packet.ConnectionType;
import io.gamewire.protocol.packet.PacketConfig;
import io.gamewire.protocol.packet.PacketConnection;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.stats.TrafficSnapshot;
import io.gamewire.transport.internal.ChannelConnection;
import io.gamewire.transport.internal.EventLoops;
import io.gamewire.transport.internal.ListenerThreads;
import io.gamewire.transport.internal.PacketHandlers;
import io.gamewire.transport.internal.WriteLimits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP server for packet connections that speaks peng3dnet protocol 2 (docs/PACKET-PROTOCOL.md):
 * peng3dnet clients can connect to it, and it answers pings. Built with {@link #builder}; {@link
 * #start} binds and returns; {@link #shutdown} closes every client with a reason and releases every
 * thread, socket and buffer.
 *
 * <pre>{@code
 * PacketRegistry.Builder packets = PacketRegistry.builder();
 * PacketType<String> echo = packets.register("echo:echo", PacketCodec.string());
 * try (PacketServer server = PacketServer.builder(packets.build())
 *         .bind("0.0.0.0:8080")
 *         .handle(echo, (conn, text) -> conn.send(echo, text))
 *         .build()
 *         .start()) {
 *   ...
 * }
 * }</pre>
 */
public final class PacketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PacketServer.class);

  /** peng3dnet's default port. */
  public static final int DEFAULT_PORT = 8080;

  private final Builder b;
  private final Map<Long, ChannelConnection> connections = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final LongAdder closedBytesIn = new LongAdder();
  private final LongAdder closedBytesOut = new LongAdder();
  private final LongAdder closedPacketsIn = new LongAdder();
  private final LongAdder closedPacketsOut = new LongAdder();
  private final long startNanos = System.nanoTime();
  private IoThreads ownThreads;
  private ExecutorService ownListenerPool;
  private Channel serverChannel;
  private SslContext ssl;

  private PacketServer(Builder b) {
    this.b = b;
  }

  public static Builder builder(PacketRegistry registry) {
    return new Builder(registry);
  }

  /**
   * Binds the socket and starts accepting. Returns this server.
   *
   * @throws UncheckedIOException if the address cannot be bound (the message names it)
   */
  public PacketServer start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the server was already started");
    }
    b.listener.onInitialize(this);
    try {
      ssl = b.tls == null ? null : b.tls.newContext();
    } catch (IOException e) {
      throw new UncheckedIOException("the TLS configuration is unusable: " + e.getMessage(), e);
    }
    IoThreads threads = b.ioThreads;
    if (threads == null) {
      threads = ownThreads = IoThreads.create(b.ioThreadCount, "gamewire-packet-server");
    }
    Executor listenerExecutor = null;
    if (!b.listenersOnIoThread) {
      listenerExecutor = b.listenerExecutor;
      if (listenerExecutor == null) {
        listenerExecutor = ownListenerPool = ListenerThreads.newPool(4, "gamewire-server-listener");
      }
    }
    ChannelConnection.Settings settings =
        new ChannelConnection.Settings(
            this::newProtocol,
            listenerExecutor,
            new Dispatch(),
            b.listener.wantsSendEvents(),
            b.writeBudgetBytes,
            ChannelConnection.SecurityPolicy.server());
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(threads.group())
            .channel(EventLoops.serverSocketChannel())
            .option(ChannelOption.SO_BACKLOG, b.backlog)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(b.lowWaterMark, b.highWaterMark))
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (stopped.get()) {
                      ch.close();
                      return;
                    }
                    if (ssl != null) {
                      SslHandler h = ssl.newHandler(ch.alloc());
                      h.setHandshakeTimeoutMillis(b.tls.handshakeTimeout().toMillis());
                      ch.pipeline().addLast("tls", h);
                    }
                    ChannelConnection c = new ChannelConnection(nextId.getAndIncrement(), settings);
                    connections.put(c.id(), c);
                    ch.pipeline().addLast("gamewire", c);
                  }
                });
    InetSocketAddress bind =
        new InetSocketAddress(b.bindAddress.getHostString(), b.bindAddress.getPort());
    try {
      serverChannel = bootstrap.bind(bind).sync().channel();
    } catch (Exception e) {
      releaseThreads();
      String why = e instanceof BindException ? "address in use or not available" : e.getMessage();
      throw new UncheckedIOException(
          new BindException("cannot listen on " + Addresses.format(bind) + ": " + why));
    }
    b.listener.onBind(this, serverChannel.localAddress());
    log.debug("packet server listening on {}", serverChannel.localAddress());
    b.listener.onStart(this);
    return this;
  }

  private PacketConnection newProtocol(ChannelConnection c) {
    return PacketConnection.server(
        b.config,
        b.registry,
        b.connectionTypes,
        b.pingData == null ? null : (conn, request) -> b.pingData.pingData(c, request),
        PooledByteBufAllocator.DEFAULT,
        c,
        System.nanoTime());
  }

  /** Routes a connection's events to the listener and the packet handlers. */
  private final class Dispatch implements ChannelConnection.Events {
    @Override
    public void connected(ChannelConnection c) {
      b.listener.onAccept(c);
    }

    @Override
    public void handshakeComplete(ChannelConnection c) {
      b.listener.onHandshakeComplete(c);
    }

    @Override
    public void received(ChannelConnection c, PacketType<?> type, Object body) {
      b.listener.onReceive(c, type, body);
      b.handlers.dispatch(c, type, body);
    }

    @Override
    public void sent(ChannelConnection c, PacketType<?> type, Object body) {
      b.listener.onSend(c, type, body);
    }

    @Override
    public void closed(ChannelConnection c, String reason, boolean byPeer) {
      if (connections.remove(c.id()) != null) {
        TrafficSnapshot t = c.traffic();
        closedBytesIn.add(t.bytesIn());
        closedBytesOut.add(t.bytesOut());
        closedPacketsIn.add(t.packetsIn());
        closedPacketsOut.add(t.packetsOut());
      }
      b.listener.onClose(c, reason, byPeer);
    }
  }

  /** The bound address (with the real port when bound to port 0). */
  public InetSocketAddress localAddress() {
    if (serverChannel == null) {
      throw new IllegalStateException("the server is not started");
    }
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The open connections (a live view). */
  public Collection<Connection> connections() {
    return List.copyOf(connections.values());
  }

  /** The number of open connections. */
  public int connectionCount() {
    return connections.size();
  }

  /**
   * Sends to every established connection of type {@code classic} (or of any type that syncs the
   * registry). Returns how many connections the packet was queued for.
   */
  public <T> int broadcast(PacketType<T> type, T body) {
    int n = 0;
    for (ChannelConnection c : connections.values()) {
      ConnectionType t = c.connectionType();
      if (c.isOpen() && t != null && t.syncsRegistry() && c.send(type, body)) {
        n++;
      }
    }
    return n;
  }

  /** Traffic of every connection so far, open and closed, averaged from the server's start. */
  public TrafficSnapshot traffic() {
    long now = System.nanoTime();
    TrafficSnapshot sum =
        new TrafficSnapshot(
            closedBytesIn.sum(),
            closedBytesOut.sum(),
            closedPacketsIn.sum(),
            closedPacketsOut.sum(),
            now - startNanos);
    for (ChannelConnection c : connections.values()) {
      TrafficSnapshot t = c.traffic();
      sum =
          new TrafficSnapshot(
              sum.bytesIn() + t.bytesIn(),
              sum.bytesOut() + t.bytesOut(),
              sum.packetsIn() + t.packetsIn(),
              sum.packetsOut() + t.packetsOut(),
              sum.elapsedNanos());
    }
    return sum;
  }

  /**
   * Closes every connection with {@code reason} (after trying to deliver it), stops accepting, and
   * releases the server's threads. Waits at most a few seconds. Harmless when called again.
   */
  public void shutdown(String reason) {
    if (!started.get() || !stopped.compareAndSet(false, true)) {
      return;
    }
    b.listener.onStop(this);
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    List<CompletableFuture<String>> closing = new ArrayList<>();
    for (ChannelConnection c : connections.values()) {
      closing.add(c.closeFuture());
      c.close(reason);
    }
    try {
      CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
          .get(b.shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.debug("not every connection closed within the shutdown timeout");
    }
    for (ChannelConnection c : connections.values()) {
      if (c.channel() != null) {
        c.channel().close().awaitUninterruptibly(1, TimeUnit.SECONDS);
      }
    }
    releaseThreads();
    b.listener.onShutdown(this, reason);
  }

  private void releaseThreads() {
    if (ownThreads != null) {
      ownThreads.close();
    }
    if (ownListenerPool != null) {
      ownListenerPool.shutdown();
      try {
        ownListenerPool.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Shuts down with reason {@code servershutdown}. */
  @Override
  public void close() {
    shutdown(CloseReasons.SERVER_SHUTDOWN);
  }

  public boolean isRunning() {
    return started.get() && !stopped.get();
  }

  /** Supplies a server's ping data for one ping request. */
  @FunctionalInterface
  public interface PingData {
    Map<?, ?> pingData(Connection connection, Map<Object, Object> request);
  }

  /** Configures a {@link PacketServer}; every setting has a safe default. */
  public static final class Builder {
    private final PacketRegistry registry;
    private final PacketHandlers handlers;
    private InetSocketAddress bindAddress = new InetSocketAddress("0.0.0.0", DEFAULT_PORT);
    private PacketConfig config = PacketConfig.DEFAULT;
    private PacketServerListener listener = new PacketServerListener() {};
    private List<ConnectionType> connectionTypes = List.of();
    private PingData pingData;
    private TlsServerConfig tls;
    private IoThreads ioThreads;
    private int ioThreadCount = Math.max(1, Runtime.getRuntime().availableProcessors());
    private Executor listenerExecutor;
    private boolean listenersOnIoThread;
    private int backlog = 100;
    private int lowWaterMark = 32 * 1024;
    private int highWaterMark = 64 * 1024;
    private long writeBudgetBytes = 4L * 1024 * 1024;
    private Duration shutdownTimeout = Duration.ofSeconds(3);

    private Builder(PacketRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.handlers = new PacketHandlers(registry);
    }

    /** Where to listen: {@code host:port}, {@code [v6]:port}; default {@code 0.0.0.0:8080}. */
    public Builder bind(String address) {
      this.bindAddress = Addresses.parse(address, DEFAULT_PORT);
      return this;
    }

    public Builder bind(InetSocketAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    public Builder config(PacketConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder listener(PacketServerListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Runs {@code handler} for every {@code type} packet received. One handler per type. */
    public <T> Builder handle(PacketType<T> type, PacketHandler<? super T> handler) {
      handlers.set(type, handler, "server");
      return this;
    }

    /** Connection types clients may ask for, besides {@code classic} and {@code ping}. */
    public Builder connectionTypes(ConnectionType... types) {
      this.connectionTypes = List.of(types);
      return this;
    }

    /** What the server adds to its answer to a ping (for example the number of players). */
    public Builder pingData(PingData pingData) {
      this.pingData = pingData;
      return this;
    }

    public Builder tls(TlsServerConfig tls) {
      this.tls = tls;
      return this;
    }

    /** Shares I/O threads with other servers and clients; the caller closes them. */
    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = threads;
      return this;
    }

    /** How many I/O threads the server starts when none are shared (default: one per core). */
    public Builder ioThreadCount(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("ioThreadCount must be at least 1");
      }
      this.ioThreadCount = n;
      return this;
    }

    /** Runs listener callbacks and handlers on this executor (in order per connection). */
    public Builder listenerExecutor(Executor executor) {
      this.listenerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs listener callbacks and handlers directly on the I/O thread: the fastest, but a callback
     * that blocks stalls every connection on that thread.
     */
    public Builder listenersOnIoThread() {
      this.listenersOnIoThread = true;
      return this;
    }

    public Builder backlog(int backlog) {
      this.backlog = backlog;
      return this;
    }

    /**
     * Write buffer marks: above {@code high} a connection reports not writable until {@code low}.
     */
    public Builder writeWaterMarks(int low, int high) {
      WriteLimits.checkWaterMarks(low, high);
      this.lowWaterMark = low;
      this.highWaterMark = high;
      return this;
    }

    /**
     * Unsent bytes a connection may hold before it is closed with {@code writebudgetexceeded}: a
     * client that stops reading must not hold the server's memory (default 4 MiB).
     */
    public Builder writeBudgetBytes(long bytes) {
      WriteLimits.checkWriteBudget(bytes);
      this.writeBudgetBytes = bytes;
      return this;
    }

    /** How long {@code shutdown} waits for clients to receive the close (default 3 s). */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    public PacketServer build() {
      return new PacketServer(this);
    }
  }
}
