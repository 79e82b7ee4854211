package io.gamewire.transport;

import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.protocol.realtime.RealtimeClientEndpoint;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.transport.internal.DatagramDriver;
import io.gamewire.transport.internal.EventLoops;
import io.gamewire.transport.internal.ListenerThreads;
import io.gamewire.transport.internal.RealtimeArguments;
import io.gamewire.transport.internal.SerialExecutor;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A realtime (UDP) client: one socket, one connection to a {@link RealtimeServer}. {@link #connect}
 * runs the handshake; {@link #send} may then be called from any thread and returns false rather
 * than block when the send queue is full; {@link #close} tells the server and releases the client's
 * threads, socket and buffers.
 *
 * <pre>{@code
 * try (RealtimeClient client = RealtimeClient.builder("game.example:7777")
 *         .listener(new RealtimeClientListener() {
 *           public void onMessage(int channel, byte[] message) { ... }
 *         })
 *         .build()
 *         .connect()) {
 *   client.send(0, input);
 * }
 * }</pre>
 */
public final class RealtimeClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);

  /**
   * Sees each message on the I/O thread before the listener does; returns true to take it (the
   * listener then never sees it). It must not block, nor keep {@code message} past the call.
   */
  interface IoMessageTap {
    boolean onIoMessage(int channel, ByteBuf message);

    /** The end of a read batch: the messages of one burst of datagrams have all been seen. */
    default void onIoReadComplete() {}
  }

  private final Builder b;
  private final String serverText;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<RealtimeClient> connected = new CompletableFuture<>();
  private final Driver driver;
  private volatile boolean connectedView;
  private volatile boolean endedView;
  private IoThreads ownThreads;
  private ExecutorService ownListenerPool;
  private SerialExecutor serial;
  private Channel channel;

  private RealtimeClient(Builder b) {
    this.b = b;
    this.serverText = Addresses.format(b.server);
    this.driver = new Driver(b.maxQueuedSends);
  }

  /** A client of the server at {@code host:port} or {@code [v6]:port} (default port 7777). */
  public static Builder builder(String server) {
    return new Builder(Addresses.resolve(server, RealtimeServer.DEFAULT_PORT));
  }

  public static Builder builder(InetSocketAddress server) {
    return new Builder(server);
  }

  /**
   * Connects and waits for the handshake to end (at most the handshake's connect timeout).
   *
   * @throws RealtimeConnectException with the reason (timed out, server full, version mismatch) in
   *     its message and {@link RealtimeConnectException#failure()}; the client is closed then
   */
  public RealtimeClient connect() throws IOException {
    CompletableFuture<RealtimeClient> f = connectAsync();
    long waitNanos = b.handshake.connectTimeoutNanos() + TimeUnit.SECONDS.toNanos(5);
    try {
      return f.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      close();
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot connect to " + serverText + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      close();
      throw new RealtimeConnectException(ConnectFailure.TIMED_OUT, serverText);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new RealtimeConnectException(ConnectFailure.CANCELLED, serverText);
    }
  }

  /**
   * Starts connecting. The future completes on the listener executor (after {@code onConnected}) or
   * fails with a {@link RealtimeConnectException}; after a failure, {@link #close} releases the
   * client's threads.
   */
  public CompletableFuture<RealtimeClient> connectAsync() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("connect was already called; build a new client to retry");
    }
    IoThreads threads = b.ioThreads;
    if (threads == null) {
      threads = ownThreads = IoThreads.create(1, "gamewire-realtime-client");
    }
    if (!b.listenersOnIoThread) {
      Executor executor = b.listenerExecutor;
      if (executor == null && b.ioThreads != null) {
        executor = b.ioThreads.listenerPool(); // a thousand clients, not a thousand threads
      }
      if (executor == null) {
        executor =
            ownListenerPool = ListenerThreads.newPool(1, "gamewire-realtime-client-listener");
      }
      serial = new SerialExecutor(executor);
    }
    driver.endpoint =
        new RealtimeClientEndpoint(
            b.config,
            b.handshake,
            b.server,
            DatagramDriver.randomFrom(new SecureRandom()),
            PooledByteBufAllocator.DEFAULT,
            driver);
    driver.sideProtocols(b.sideProtocols);
    int receiveBytes =
        Math.max(
            Math.max(b.config.mtuBytes(), b.handshake.minRequestBytes()) + 64,
            DatagramDriver.maxSideDatagramBytes(b.sideProtocols));
    Bootstrap bootstrap =
        new Bootstrap()
            .group(threads.group())
            .channel(EventLoops.datagramChannel())
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                DatagramDriver.receiveAllocator(receiveBytes, b.maxDatagramsPerRead))
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                DatagramDriver.writeBufferWaterMark(b.maxPendingWriteBytes))
            .handler(driver);
    // A wildcard of the server's family, so replies carry addresses the endpoint compares equal.
    InetSocketAddress local =
        b.localAddress != null
            ? b.localAddress
            : b.server.getAddress() instanceof Inet6Address
                ? new InetSocketAddress("::", 0)
                : new InetSocketAddress("0.0.0.0", 0);
    ChannelFuture bound = bootstrap.bind(local);
    channel = bound.channel();
    bound.addListener(
        f -> {
          if (f.isSuccess()) {
            connectSocketThenStart();
          } else {
            endedView = true;
            connected.completeExceptionally(
                new RealtimeConnectException(
                    "cannot open a UDP socket to reach " + serverText + ": " + f.cause(),
                    f.cause()));
          }
        });
    return connected;
  }

  /**
   * Connects the UDP socket to the server when nothing else is expected on it (no side protocols):
   * the kernel then drops datagrams from anyone else, and reads and writes carry no address. Starts
   * the handshake either way; a socket that cannot be connected stays unconnected.
   */
  private void connectSocketThenStart() {
    if (!b.sideProtocols.isEmpty()) {
      driver.startOnLoop();
      return;
    }
    channel
        .connect(b.server)
        .addListener(
            c -> {
              if (c.isSuccess()) {
                driver.socketConnected = true;
              } else {
                log.debug("UDP socket to {} stays unconnected: {}", serverText, c.cause());
              }
              driver.startOnLoop();
            });
  }

  // ---------------------------------------------------------------- sending (any thread)

  public boolean send(int channel, byte[] message) {
    return send(channel, message, null);
  }

  public boolean send(int channel, byte[] message, RealtimeConnection.MessageCallbacks callbacks) {
    RealtimeArguments.checkMessage(b.config, channel, message.length);
    return checkConnected() && offer(channel, handOffCopy(message), callbacks);
  }

  /**
   * Queues a copy of {@code message}'s readable bytes. Returns false if the connection has ended or
   * the send queue is full (back off and retry). Before {@code connect} succeeded, an unconfigured
   * channel or an oversized message throws. {@code callbacks} (nullable) get exactly one of onAcked
   * / onTimedOut, on the listener executor.
   */
  public boolean send(int channel, ByteBuf message, RealtimeConnection.MessageCallbacks callbacks) {
    RealtimeArguments.checkMessage(b.config, channel, message.readableBytes());
    return checkConnected() && offer(channel, RealtimeArguments.copy(message), callbacks);
  }

  /**
   * The copy of an application's message that crosses to the I/O thread. From another thread it is
   * a plain heap array: the I/O thread releases it when the message is acknowledged, and a pooled
   * buffer allocated on one thread and freed on another costs a locked free into the pool's chunk
   * per message (JFR: {@code PoolSubpage.lock} and {@code PoolChunk.free} under {@code
   * completeReliable} in a one-way stream). On the I/O thread itself (a reply from a listener) the
   * pool's thread cache serves both ends.
   */
  private ByteBuf handOffCopy(byte[] message) {
    EventLoop loop = driver.loop();
    return loop != null && loop.inEventLoop()
        ? RealtimeArguments.copy(message)
        : Unpooled.wrappedBuffer(message.clone());
  }

  private boolean checkConnected() {
    if (endedView || closed.get()) {
      return false;
    }
    if (!connectedView) {
      throw new IllegalStateException(
          "not connected yet: send after connect() returns or onConnected runs");
    }
    return true;
  }

  private boolean offer(int channel, ByteBuf copy, RealtimeConnection.MessageCallbacks callbacks) {
    if (driver.offerSend(channel, copy, callbacks)) {
      return true;
    }
    copy.release();
    return false;
  }

  /**
   * Ends the connection, telling the server {@code code} (1000 and up for the application's
   * reasons) and {@code text} (at most 64 bytes of UTF-8). The client still needs {@link #close} to
   * release its threads.
   */
  public void disconnect(int code, String text) {
    String t = RealtimeArguments.checkDisconnect(code, text);
    EventLoop loop = driver.loop();
    if (loop != null && !closed.get()) {
      try {
        loop.execute(() -> driver.disconnectOnLoop(code, t));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the I/O threads are gone, and the connection with them
      }
    }
  }

  // ---------------------------------------------------------------- state (any thread)

  public boolean isConnected() {
    return connectedView && !endedView;
  }

  /** The local socket's address, or null before connecting. */
  /** Datagrams the client's socket has read so far (tests). */
  long datagramsRead() {
    return driver.datagramsRead();
  }

  public InetSocketAddress localAddress() {
    Channel c = channel;
    return c == null ? null : (InetSocketAddress) c.localAddress();
  }

  public InetSocketAddress serverAddress() {
    return b.server;
  }

  /** The connection's statistics, or null before it exists. Waits for the event loop briefly. */
  public ConnectionStats stats() {
    EventLoop loop = driver.loop();
    if (loop == null || !connectedView) {
      return null;
    }
    if (loop.inEventLoop()) {
      return driver.endpoint.stats(System.nanoTime());
    }
    try {
      return loop.submit(() -> driver.endpoint.stats(System.nanoTime())).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- closing

  /**
   * Tells the server (code 1, "closed") if connected, abandons a handshake in progress, closes the
   * socket and releases the client's own threads. Idempotent.
   */
  @Override
  public void close() {
    if (!started.get() || !closed.compareAndSet(false, true)) {
      return;
    }
    Channel c = channel;
    boolean onLoop = c != null && c.eventLoop().inEventLoop();
    if (c != null) {
      if (onLoop) {
        driver.closeOnLoop();
      } else {
        try {
          c.eventLoop().submit(driver::closeOnLoop).awaitUninterruptibly(5, TimeUnit.SECONDS);
          c.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
          // The shared I/O threads were closed first: the socket is closed with them.
        }
      }
    }
    if (ownListenerPool != null) {
      ownListenerPool.shutdown();
      if (!onLoop) {
        try {
          ownListenerPool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (ownThreads != null) {
      if (onLoop) {
        ownThreads.group().shutdownGracefully(0, 2, TimeUnit.SECONDS); // cannot wait for ourselves
      } else {
        ownThreads.close();
      }
    }
  }

  // ---------------------------------------------------------------- the loop side

  private final class Driver extends DatagramDriver implements RealtimeClientEndpoint.Listener {
    RealtimeClientEndpoint endpoint;
    boolean socketConnected; // loop thread

    Driver(int maxQueuedSends) {
      super(maxQueuedSends);
    }

    boolean offerSend(int channel, ByteBuf copy, RealtimeConnection.MessageCallbacks callbacks) {
      return offer(new Send(0, channel, copy, callbacks, false));
    }

    void startOnLoop() {
      if (closed.get() || isStopped()) {
        return;
      }
      endpoint.connect(System.nanoTime());
      flush();
    }

    @Override
    protected void handle(long now, InetSocketAddress from, ByteBuf datagram) {
      endpoint.handleDatagram(now, from, datagram);
    }

    @Override
    protected void readBatchEnded() {
      if (b.ioTap != null) {
        b.ioTap.onIoReadComplete();
      }
    }

    @Override
    protected Object poll(long now) {
      ByteBuf d = endpoint.pollDatagram(now);
      return d == null || socketConnected ? d : new DatagramPacket(d, b.server);
    }

    @Override
    protected long nextTimeoutNanos() {
      return endpoint.nextTimeoutNanos();
    }

    @Override
    protected void timeout(long now) {
      endpoint.handleTimeout(now);
    }

    @Override
    protected void deliver(long now, Send s) {
      RealtimeConnection.MessageCallbacks cb = RealtimeServer.onExecutor(s.callbacks(), serial);
      boolean queued;
      try {
        queued = endpoint.isConnected() && endpoint.sendShared(s.channel(), s.data(), cb);
      } catch (IllegalStateException e) {
        queued = false;
      }
      if (!queued && cb != null) {
        cb.onTimedOut();
      }
    }

    void disconnectOnLoop(int code, String text) {
      if (!isStopped()) {
        endpoint.disconnect(System.nanoTime(), code, text);
        flush();
      }
    }

    void closeOnLoop() {
      if (isStopped()) {
        return;
      }
      if (endpoint.isConnected()) {
        endpoint.disconnect(System.nanoTime(), RealtimeConnection.REASON_CLOSED, "closed");
        flush();
      }
      stopOnLoop();
      endpoint.close();
      channel().close();
    }

    // RealtimeClientEndpoint.Listener: runs inside endpoint calls, on the loop.

    @Override
    public void onConnected() {
      connectedView = true;
      post(b.listener::onConnected);
      post(() -> connected.complete(RealtimeClient.this));
    }

    @Override
    public void onConnectFailed(ConnectFailure failure) {
      endedView = true;
      RealtimeConnectException e = new RealtimeConnectException(failure, serverText);
      post(() -> connected.completeExceptionally(e));
      stopOnLoop();
      channel().close();
    }

    @Override
    public void onMessage(int channel, ByteBuf message) {
      if (b.ioTap != null && b.ioTap.onIoMessage(channel, message)) {
        return;
      }
      byte[] copy = ByteBufUtil.getBytes(message); // the datagram buffer is reused after this call
      if (serial == null) {
        try {
          b.listener.onMessage(channel, copy); // no task object per message
        } catch (RuntimeException e) {
          RealtimeServer.listenerFailed(e);
        }
      } else {
        serial.execute(() -> b.listener.onMessage(channel, copy));
      }
    }

    @Override
    public void onDisconnected(int code, String text, boolean byPeer) {
      endedView = true;
      post(() -> b.listener.onDisconnected(code, text, byPeer));
    }

    private void post(Runnable event) {
      if (serial == null) {
        RealtimeServer.deliverInline(event);
      } else {
        serial.execute(event);
      }
    }
  }

  /** Configures a {@link RealtimeClient}; every setting has a safe default. */
  public static final class Builder {
    private final InetSocketAddress server;
    private RealtimeConfig config = RealtimeConfig.defaults();
    private HandshakeConfig handshake = HandshakeConfig.defaults();
    private RealtimeClientListener listener = new RealtimeClientListener() {};
    private IoThreads ioThreads;
    private Executor listenerExecutor;
    private boolean listenersOnIoThread;
    private int maxQueuedSends = 16_384;
    private final List<SideProtocol> sideProtocols = new ArrayList<>();
    private InetSocketAddress localAddress;
    private int maxDatagramsPerRead = 16;
    private int maxPendingWriteBytes = 256 * 1024;
    private IoMessageTap ioTap;

    private Builder(InetSocketAddress server) {
      this.server = Objects.requireNonNull(server, "server");
      if (server.isUnresolved()) {
        throw new IllegalArgumentException("server address is unresolved: " + server);
      }
    }

    /** Channels, MTU, timeouts, congestion; must match the server's channels. */
    public Builder config(RealtimeConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder handshake(HandshakeConfig handshake) {
      this.handshake = Objects.requireNonNull(handshake, "handshake");
      return this;
    }

    public Builder listener(RealtimeClientListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Shares I/O threads with other clients and servers; the caller closes them. */
    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    /**
     * Runs listener callbacks on this executor, in order (default: the shared I/O threads' {@link
     * IoThreads#listenerPool}, or one thread of the client's own).
     */
    public Builder listenerExecutor(Executor executor) {
      this.listenerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** For {@link GameClient}: messages it takes on the I/O thread, before any hand-off. */
    Builder ioTap(IoMessageTap tap) {
      this.ioTap = Objects.requireNonNull(tap, "tap");
      return this;
    }

    /** Runs listener callbacks on the I/O thread: no hand-off, but they must not block. */
    public Builder listenersOnIoThread() {
      this.listenersOnIoThread = true;
      return this;
    }

    /**
     * Shares the socket with another protocol: datagrams it {@linkplain SideProtocol#claims claims}
     * go to it, and it can send from the socket. Checked in the order added.
     */
    public Builder sideProtocol(SideProtocol protocol) {
      sideProtocols.add(Objects.requireNonNull(protocol, "protocol"));
      return this;
    }

    /**
     * Binds the client's socket to this local address (default: the wildcard of the server's
     * family, any port). A fixed port keeps a NAT mapping made earlier from that port, which is
     * what a connector's punch-through relies on.
     */
    public Builder localAddress(InetSocketAddress local) {
      this.localAddress = Objects.requireNonNull(local, "local");
      return this;
    }

    /** Messages waiting for the I/O thread before {@code send} returns false (default 16384). */
    public Builder maxQueuedSends(int n) {
      this.maxQueuedSends = DatagramDriver.checkMaxQueuedSends(n);
      return this;
    }

    /**
     * Datagrams handled per read batch before the I/O thread runs its timers and queued sends
     * (default 16): a flood of inbound datagrams cannot starve them. Each batch is followed by one
     * output pass.
     */
    public Builder maxDatagramsPerRead(int n) {
      this.maxDatagramsPerRead = DatagramDriver.checkMaxDatagramsPerRead(n);
      return this;
    }

    /**
     * Bytes written to the socket but not yet taken by the kernel before the client stops writing
     * (default 256 KiB); writing resumes below half of it. Meanwhile output waits in the
     * connections (docs/PROTOCOL.md section 8).
     */
    public Builder maxPendingWriteBytes(int n) {
      this.maxPendingWriteBytes = DatagramDriver.checkMaxPendingWriteBytes(n);
      return this;
    }

    public RealtimeClient build() {
      return new RealtimeClient(this);
    }
  }
}
