package io.gamewire.transport;

import io.gamewire.protocol.packet.CloseReasons;
import io.gamewire.protocol.packet.ConnectionType;
import io.gamewire.protocol.packet.PacketConfig;
import io.gamewire.protocol.packet.PacketConnection;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.packet.PingReply;
import io.gamewire.protocol.stats.TrafficSnapshot;
import io.gamewire.transport.internal.ChannelConnection;
import io.gamewire.transport.internal.EventLoops;
import io.gamewire.transport.internal.ListenerThreads;
import io.gamewire.transport.internal.PacketHandlers;
import io.gamewire.transport.internal.WriteLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP client for one packet connection that speaks peng3dnet protocol 2: it connects to a {@link
 * PacketServer} or to a peng3dnet server. {@link #connect} returns once the handshake is complete,
 * or throws an exception that says which step failed. {@link #ping} queries a server's ping data.
 */
public final class PacketClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PacketClient.class);

  private final Builder b;
  private final AtomicBoolean connecting = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private IoThreads ownThreads;
  private ExecutorService ownListenerPool;
  private ChannelConnection connection;

  private PacketClient(Builder b) {
    this.b = b;
  }

  public static Builder builder(PacketRegistry registry) {
    return new Builder(registry);
  }

  /**
   * Connects and completes the handshake, waiting at most the connect timeout plus the handshake
   * timeout. Returns this client.
   *
   * @throws ConnectException if the server refused the connection
   * @throws SocketTimeoutException if the connection or the handshake timed out
   * @throws HandshakeFailedException if the server or this side closed during the handshake (a
   *     {@link RegistryMismatchException} when the registries differ)
   */
  public PacketClient connect() throws IOException {
    CompletableFuture<PacketClient> f = connectAsync();
    long waitMillis =
        b.connectTimeout.toMillis() + b.config.handshakeTimeout().toMillis() + tlsMillis() + 1000;
    try {
      return f.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IOException("interrupted while connecting to " + describe(), e);
    } catch (TimeoutException e) {
      close();
      throw new SocketTimeoutException("connecting to " + describe() + " timed out");
    } catch (ExecutionException e) {
      close();
      throw asIoException(e.getCause());
    }
  }

  private long tlsMillis() {
    return b.tls == null ? 0 : b.tls.handshakeTimeout().toMillis();
  }

  /** Starts connecting; the future completes once the handshake is complete. */
  public CompletableFuture<PacketClient> connectAsync() {
    if (!connecting.compareAndSet(false, true)) {
      throw new IllegalStateException("connect was already called; a client connects once");
    }
    CompletableFuture<PacketClient> result = new CompletableFuture<>();
    try {
      connection =
          open(
              c ->
                  PacketConnection.client(
                      b.config,
                      b.registry,
                      b.connectionType,
                      PooledByteBufAllocator.DEFAULT,
                      c,
                      System.nanoTime()),
              new Dispatch());
    } catch (IOException e) {
      result.completeExceptionally(e);
      return result;
    }
    connection
        .handshakeFuture()
        .whenComplete(
            (ok, err) -> {
              if (err == null) {
                result.complete(this);
              } else {
                result.completeExceptionally(err);
              }
            });
    return result;
  }

  /** Opens the socket and wires one {@link ChannelConnection} to the given protocol. */
  private ChannelConnection open(
      java.util.function.Function<ChannelConnection, PacketConnection> protocol,
      ChannelConnection.Events events)
      throws IOException {
    SslContext ssl = b.tls == null ? null : b.tls.newContext();
    IoThreads threads = b.ioThreads;
    if (threads == null) {
      threads = ownThreads = IoThreads.create(1, "gamewire-packet-client");
    }
    Executor listenerExecutor = null;
    if (!b.listenersOnIoThread) {
      listenerExecutor = b.listenerExecutor;
      if (listenerExecutor == null) {
        listenerExecutor = ownListenerPool = ListenerThreads.newPool(1, "gamewire-client-listener");
      }
    }
    ChannelConnection.Settings settings =
        new ChannelConnection.Settings(
            protocol,
            listenerExecutor,
            events,
            b.listener.wantsSendEvents(),
            b.writeBudgetBytes,
            b.tls == null
                ? ChannelConnection.SecurityPolicy.NONE
                : ChannelConnection.SecurityPolicy.client(
                    b.tls.verifiesServer(), b.tls.hostnameVerification()));
    ChannelConnection c = new ChannelConnection(0, settings);
    InetSocketAddress target = b.address;
    Bootstrap bootstrap =
        new Bootstrap()
            .group(threads.group())
            .channel(EventLoops.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) b.connectTimeout.toMillis())
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(b.lowWaterMark, b.highWaterMark))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (ssl != null) {
                      SslHandler h =
                          ssl.newHandler(ch.alloc(), target.getHostString(), target.getPort());
                      if (b.tls.hostnameVerification()) {
                        SSLParameters p = h.engine().getSSLParameters();
                        p.setEndpointIdentificationAlgorithm("HTTPS");
                        h.engine().setSSLParameters(p);
                      }
                      h.setHandshakeTimeoutMillis(b.tls.handshakeTimeout().toMillis());
                      ch.pipeline().addLast("tls", h);
                    }
                    ch.pipeline().addLast("gamewire", c);
                  }
                });
    ChannelFuture cf = bootstrap.connect(target);
    cf.addListener(
        f -> {
          if (!f.isSuccess()) {
            c.handshakeFuture().completeExceptionally(connectFailure(f.cause()));
            c.pingFuture().completeExceptionally(connectFailure(f.cause()));
            c.closeFuture().complete(CloseReasons.IO_ERROR);
          }
        });
    return c;
  }

  private IOException connectFailure(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return new SocketTimeoutException(
          "connecting to "
              + describe()
              + " timed out after "
              + b.connectTimeout.toMillis()
              + " ms");
    }
    if (cause instanceof ConnectException
        || (cause != null && cause.getClass().getSimpleName().contains("Connect"))) {
      ConnectException e = new ConnectException("connection refused by " + describe());
      e.initCause(cause);
      return e;
    }
    return new IOException(
        "cannot connect to " + describe() + ": " + (cause == null ? "unknown error" : cause),
        cause);
  }

  private String describe() {
    return Addresses.format(b.address);
  }

  private static IOException asIoException(Throwable t) {
    if (t instanceof IOException io) {
      return io;
    }
    return new IOException(t.getMessage(), t);
  }

  /** Routes events to the listener and handlers. */
  private final class Dispatch implements ChannelConnection.Events {
    @Override
    public void connected(ChannelConnection c) {
      b.listener.onConnect(c);
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
      b.listener.onClose(c, reason, byPeer);
    }
  }

  /** The connection (after {@link #connect}). */
  public Connection connection() {
    if (connection == null) {
      throw new IllegalStateException("connect first");
    }
    return connection;
  }

  /** Queues a packet; see {@link Connection#send(PacketType, Object)}. */
  public <T> boolean send(PacketType<T> type, T body) {
    return connection().send(type, body);
  }

  /** Queues a packet by name. */
  public boolean send(String packetName, Object body) {
    return connection().send(packetName, body);
  }

  public boolean isOpen() {
    return connection != null && connection.isOpen();
  }

  public TrafficSnapshot traffic() {
    return connection().traffic();
  }

  /**
   * Waits until the connection is closed (by either side); returns the reason, or null on timeout.
   */
  public String awaitClose(Duration timeout) throws InterruptedException {
    if (connection == null) {
      return null;
    }
    try {
      return connection.closeFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /**
   * Closes with {@code reason} (sent to the server), waits briefly for the socket to close, and
   * releases this client's threads. Harmless when called again.
   */
  public void close(String reason) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (connection != null) {
      connection.close(reason);
      try {
        connection.closeFuture().get(2, TimeUnit.SECONDS);
        if (connection.channel() != null) {
          connection.channel().closeFuture().await(2, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        log.debug("the connection did not close in time", e);
      }
    }
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

  /** Closes with reason {@code userrequest}. */
  @Override
  public void close() {
    close(CloseReasons.USER_REQUEST);
  }

  // ---------------------------------------------------------------- ping

  /**
   * Pings a server (Gamewire or peng3dnet) over a one-off {@code ping} connection and returns its
   * ping data and the round trip this side measured.
   *
   * @throws IOException with a sentence on what failed (refused, timed out, closed)
   */
  public static PingReply ping(String address, Duration timeout) throws IOException {
    return ping(Addresses.parse(address, PacketServer.DEFAULT_PORT), timeout, null);
  }

  /** Pings with TLS (may be null for plain TCP) and optional extra request data. */
  public static PingReply ping(InetSocketAddress address, Duration timeout, TlsClientConfig tls)
      throws IOException {
    Builder b =
        builder(PacketRegistry.builder().build())
            .connect(address)
            .connectTimeout(timeout)
            .config(PacketConfig.builder().handshakeTimeout(timeout).build())
            .listenersOnIoThread();
    if (tls != null) {
      b.tls(tls);
    }
    PacketClient client = b.build();
    Map<Object, Object> request = new LinkedHashMap<>();
    request.put("time", System.currentTimeMillis() / 1000.0);
    try {
      client.connecting.set(true);
      client.connection =
          client.open(
              c ->
                  PacketConnection.pingClient(
                      b.config, PooledByteBufAllocator.DEFAULT, c, request, System.nanoTime()),
              new ChannelConnection.Events() {});
      return client.connection.pingFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw noPingReply(address, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while pinging " + Addresses.format(address), e);
    } catch (ExecutionException e) {
      // The handshake timeout equals the ping timeout and usually fires first: a silent server
      // is a timeout either way, and should read as one.
      if (e.getCause() instanceof HandshakeFailedException hf
          && CloseReasons.HANDSHAKE_TIMEOUT.equals(hf.reason())) {
        throw noPingReply(address, timeout);
      }
      throw asIoException(e.getCause());
    } finally {
      client.close(CloseReasons.PING_COMPLETE);
    }
  }

  private static SocketTimeoutException noPingReply(InetSocketAddress address, Duration timeout) {
    return new SocketTimeoutException(
        "no ping reply from "
            + Addresses.format(address)
            + " within "
            + timeout.toMillis()
            + " ms");
  }

  /** Configures a {@link PacketClient}; every setting has a safe default. */
  public static final class Builder {
    private final PacketRegistry registry;
    private final PacketHandlers handlers;
    private InetSocketAddress address =
        InetSocketAddress.createUnresolved("localhost", PacketServer.DEFAULT_PORT);
    private PacketConfig config = PacketConfig.DEFAULT;
    private ConnectionType connectionType = ConnectionType.CLASSIC;
    private PacketClientListener listener = new PacketClientListener() {};
    private TlsClientConfig tls;
    private IoThreads ioThreads;
    private Executor listenerExecutor;
    private boolean listenersOnIoThread;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private int lowWaterMark = 32 * 1024;
    private int highWaterMark = 64 * 1024;
    private long writeBudgetBytes = 4L * 1024 * 1024;

    private Builder(PacketRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.handlers = new PacketHandlers(registry);
    }

    /** The server: {@code host:port} or {@code [v6]:port}; default {@code localhost:8080}. */
    public Builder connect(String address) {
      this.address = Addresses.parse(address, PacketServer.DEFAULT_PORT);
      return this;
    }

    public Builder connect(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    public Builder config(PacketConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** The connection type to ask for (default {@code classic}). */
    public Builder connectionType(ConnectionType type) {
      if (type.isPing()) {
        throw new IllegalArgumentException("use PacketClient.ping for ping connections");
      }
      this.connectionType = type;
      return this;
    }

    public Builder listener(PacketClientListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Runs {@code handler} for every {@code type} packet received. One handler per type. */
    public <T> Builder handle(PacketType<T> type, PacketHandler<? super T> handler) {
      handlers.set(type, handler, "client");
      return this;
    }

    public Builder tls(TlsClientConfig tls) {
      this.tls = tls;
      return this;
    }

    /** Shares I/O threads with other clients and servers; the caller closes them. */
    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = threads;
      return this;
    }

    /** Runs listener callbacks and handlers on this executor, in order. */
    public Builder listenerExecutor(Executor executor) {
      this.listenerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Runs listener callbacks on the I/O thread: fastest, but they must never block. */
    public Builder listenersOnIoThread() {
      this.listenersOnIoThread = true;
      return this;
    }

    /** How long the TCP connect may take (default 5 s). */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive");
      }
      this.connectTimeout = timeout;
      return this;
    }

    public Builder writeWaterMarks(int low, int high) {
      WriteLimits.checkWaterMarks(low, high);
      this.lowWaterMark = low;
      this.highWaterMark = high;
      return this;
    }

    public Builder writeBudgetBytes(long bytes) {
      WriteLimits.checkWriteBudget(bytes);
      this.writeBudgetBytes = bytes;
      return this;
    }

    public PacketClient build() {
      return new PacketClient(this);
    }
  }
}
