package io.gamewire.transport;

import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.DatagramCounters;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.protocol.realtime.RealtimeServerEndpoint;
import io.gamewire.transport.internal.DatagramDriver;
import io.gamewire.transport.internal.EventLoops;
import io.gamewire.transport.internal.ListenerThreads;
import io.gamewire.transport.internal.RealtimeArguments;
import io.gamewire.transport.internal.SerialExecutor;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A realtime (UDP) server: one socket, many clients, each a {@link RealtimeConnection} found by its
 * source address and token (docs/PROTOCOL.md). Built with {@link #builder()}; {@link #start} binds
 * and returns; {@link #close} disconnects every client with the library's "closed" code and
 * releases every thread, socket and buffer.
 *
 * <p>The protocol runs on one event loop; {@link #send}, {@link #broadcast} and {@link #disconnect}
 * may be called from any thread. Sends go through one bounded queue: when it is full, {@code send}
 * returns false and the caller backs off. Messages are packed into as few datagrams as the MTU and
 * the congestion budget allow.
 *
 * <pre>{@code
 * try (RealtimeServer server = RealtimeServer.builder()
 *         .bind("0.0.0.0:7777")
 *         .listener(new RealtimeServerListener() {
 *           public void onMessage(int client, int channel, byte[] message) { ... }
 *         })
 *         .build()
 *         .start()) {
 *   server.broadcast(1, snapshot);
 * }
 * }</pre>
 */
public final class RealtimeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealtimeServer.class);

  public static final int DEFAULT_PORT = 7777;

  /** Bytes of random key for the stateless challenge MAC. */
  private static final int CHALLENGE_KEY_BYTES = 32;

  private final Builder b;
  private final Map<Integer, Peer> peers = new ConcurrentHashMap<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Driver driver;
  private IoThreads ownThreads;
  private ExecutorService ownListenerPool;
  private Executor listenerExecutor;
  private Channel channel;

  private RealtimeServer(Builder b) {
    this.b = b;
    this.driver = new Driver(b.maxQueuedSends);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** One connected client as the transport sees it. */
  private record Peer(int id, InetSocketAddress address, SerialExecutor serial) {}

  /**
   * Binds the socket and starts serving. Returns this server.
   *
   * @throws UncheckedIOException if the address cannot be bound (the message names it)
   */
  public RealtimeServer start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the server was already started");
    }
    IoThreads threads = b.ioThreads;
    if (threads == null) {
      threads = ownThreads = IoThreads.create(1, "gamewire-realtime-server");
    }
    if (!b.listenersOnIoThread) {
      listenerExecutor = b.listenerExecutor;
      if (listenerExecutor == null) {
        listenerExecutor =
            ownListenerPool = ListenerThreads.newPool(4, "gamewire-realtime-listener");
      }
    }
    byte[] key = new byte[CHALLENGE_KEY_BYTES];
    SecureRandom secure = new SecureRandom();
    secure.nextBytes(key);
    driver.endpoint =
        new RealtimeServerEndpoint(
            b.config,
            b.handshake,
            b.maxClients,
            key,
            DatagramDriver.randomFrom(secure),
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
            .option(ChannelOption.SO_RCVBUF, b.socketBufferBytes)
            .option(ChannelOption.SO_SNDBUF, b.socketBufferBytes)
            .handler(driver);
    InetSocketAddress bind =
        new InetSocketAddress(b.bindAddress.getHostString(), b.bindAddress.getPort());
    try {
      channel = bootstrap.bind(bind).sync().channel();
      // Netty fires channelActive in a task queued after the bind completes; wait for it so that
      // side protocols are attached when start() returns.
      channel.eventLoop().submit(() -> {}).sync();
    } catch (Exception e) {
      driver.endpoint.close();
      releaseThreads();
      String why = e instanceof BindException ? "address in use or not available" : e.toString();
      throw new UncheckedIOException(
          new BindException("cannot bind UDP " + Addresses.format(bind) + ": " + why));
    }
    log.debug("realtime server on {}", channel.localAddress());
    return this;
  }

  /** The bound address (with the real port when bound to port 0). */
  public InetSocketAddress localAddress() {
    if (channel == null) {
      throw new IllegalStateException("the server is not started");
    }
    return (InetSocketAddress) channel.localAddress();
  }

  // ---------------------------------------------------------------- sending (any thread)

  /**
   * Sends {@code message} (copied) to one client; see {@link #send(int, int, ByteBuf,
   * RealtimeConnection.MessageCallbacks)}.
   */
  public boolean send(int clientId, int channel, byte[] message) {
    return send(clientId, channel, message, null);
  }

  public boolean send(
      int clientId, int channel, byte[] message, RealtimeConnection.MessageCallbacks callbacks) {
    RealtimeArguments.checkMessage(b.config, channel, message.length);
    return peers.containsKey(clientId)
        && offer(clientId, channel, RealtimeArguments.copy(message), callbacks, false);
  }

  /**
   * Queues a copy of {@code message}'s readable bytes for one client. Returns false if the client
   * is gone, the server is closed, or the send queue is full (back off and retry). An unconfigured
   * channel or an oversized message throws {@link IllegalArgumentException}. {@code callbacks}
   * (nullable) get exactly one of onAcked / onTimedOut, on the listener executor ({@link
   * RealtimeConnection.IoSafeCallbacks} on the I/O thread).
   */
  public boolean send(
      int clientId, int channel, ByteBuf message, RealtimeConnection.MessageCallbacks callbacks) {
    RealtimeArguments.checkMessage(b.config, channel, message.readableBytes());
    return peers.containsKey(clientId)
        && offer(clientId, channel, RealtimeArguments.copy(message), callbacks, false);
  }

  /** Queues a copy of {@code message} for every connected client; false if the queue is full. */
  public boolean broadcast(int channel, byte[] message) {
    RealtimeArguments.checkMessage(b.config, channel, message.length);
    return offer(0, channel, RealtimeArguments.copy(message), null, true);
  }

  /** Like {@link #broadcast(int, byte[])}; the caller keeps {@code message}. */
  public boolean broadcast(int channel, ByteBuf message) {
    RealtimeArguments.checkMessage(b.config, channel, message.readableBytes());
    return offer(0, channel, RealtimeArguments.copy(message), null, true);
  }

  private boolean offer(
      int clientId,
      int channel,
      ByteBuf copy,
      RealtimeConnection.MessageCallbacks callbacks,
      boolean broadcast) {
    if (started.get()
        && !closed.get()
        && driver.offerSend(clientId, channel, copy, callbacks, broadcast)) {
      return true;
    }
    copy.release();
    return false;
  }

  /**
   * Disconnects one client, telling it {@code code} (1000 and up for the application's reasons) and
   * {@code text} (at most 64 bytes of UTF-8). Messages still queued for it are dropped.
   */
  public void disconnect(int clientId, int code, String text) {
    String t = RealtimeArguments.checkDisconnect(code, text);
    EventLoop loop = driver.loop();
    if (loop == null || closed.get()) {
      return;
    }
    try {
      loop.execute(() -> driver.disconnectOnLoop(clientId, code, t));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the I/O threads are gone, and the connection with them
    }
  }

  // ---------------------------------------------------------------- state (any thread)

  /** Clients connected now. */
  public int clientCount() {
    return peers.size();
  }

  /** Messages waiting for the event loop. */
  public int queuedSends() {
    return driver.queuedSends();
  }

  /**
   * Times the server stopped writing because {@link Builder#maxPendingWriteBytes} were waiting for
   * the kernel; the output waited in the connections meanwhile (docs/PROTOCOL.md section 8).
   */
  public long outputStalls() {
    return driver.outputStalls();
  }

  /** Datagrams read from the socket so far. */
  public long datagramsRead() {
    return driver.datagramsRead();
  }

  /** Read batches so far; each is followed by one output pass (datagramsRead / readBatches). */
  public long readBatches() {
    return driver.readBatches();
  }

  /** A client's connection statistics, or null if it is gone. Waits for the event loop briefly. */
  public ConnectionStats stats(int clientId) {
    EventLoop loop = driver.loop();
    if (loop == null || !peers.containsKey(clientId)) {
      return null;
    }
    if (loop.inEventLoop()) {
      return driver.endpoint.stats(clientId, System.nanoTime());
    }
    try {
      return loop.submit(() -> driver.endpoint.stats(clientId, System.nanoTime()))
          .get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * What the server did with every datagram it received: drops by reason (malformed, wrong token,
   * duplicate, unknown address, …) and handshake replies, see {@link DatagramCounters}. Null if the
   * server is not running. Waits for the event loop briefly.
   */
  public DatagramCounters counters() {
    return onLoop(() -> driver.endpoint.counters());
  }

  /**
   * Handshake replies (challenges, denials) waiting for the socket: with the connections, the only
   * memory that unvalidated sources can make the server hold, and bounded. Waits for the event loop
   * briefly; -1 if the server is not running.
   */
  public int pendingReplies() {
    Integer n = onLoop(() -> driver.endpoint.pendingReplies());
    return n == null ? -1 : n;
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> task) {
    EventLoop loop = driver.loop();
    if (loop == null || !isRunning()) {
      return null;
    }
    try {
      return loop.inEventLoop() ? task.call() : loop.submit(task).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- closing

  /**
   * Disconnects every client with code 1 ({@link RealtimeConnection#REASON_CLOSED}), closes the
   * socket and releases the server's threads and buffers. Listener events already queued still run.
   * Idempotent; do not call it from a listener running on the I/O thread.
   */
  @Override
  public void close() {
    if (!started.get() || !closed.compareAndSet(false, true)) {
      return;
    }
    if (channel != null) {
      if (channel.eventLoop().inEventLoop()) {
        driver.closeOnLoop();
      } else {
        try {
          channel.eventLoop().submit(driver::closeOnLoop).awaitUninterruptibly(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
          // The shared I/O threads were closed first: the socket is closed with them.
        }
      }
      channel.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    releaseThreads();
  }

  private void releaseThreads() {
    if (ownListenerPool != null) {
      ownListenerPool.shutdown();
      try {
        ownListenerPool.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ownThreads != null) {
      ownThreads.close();
    }
  }

  public boolean isRunning() {
    return started.get() && !closed.get();
  }

  // ---------------------------------------------------------------- the loop side

  /** Drives the endpoint and turns its events into listener calls. Loop only, unless noted. */
  private final class Driver extends DatagramDriver implements RealtimeServerEndpoint.Listener {
    RealtimeServerEndpoint endpoint;

    Driver(int maxQueuedSends) {
      super(maxQueuedSends);
    }

    /** Any thread. */
    boolean offerSend(
        int clientId,
        int channel,
        ByteBuf copy,
        RealtimeConnection.MessageCallbacks callbacks,
        boolean broadcast) {
      return offer(new Send(clientId, channel, copy, callbacks, broadcast));
    }

    @Override
    protected void handle(long now, InetSocketAddress from, ByteBuf datagram) {
      endpoint.handleDatagram(now, from, datagram);
    }

    @Override
    protected Object poll(long now) {
      ByteBuf d = endpoint.poll(now);
      return d == null ? null : new DatagramPacket(d, endpoint.polledAddress());
    }

    @Override
    protected long nextTimeoutNanos() {
      return endpoint.nextTimeoutNanos();
    }

    @Override
    protected boolean hasUrgentOutput() {
      return endpoint.hasUrgentOutput();
    }

    @Override
    protected void timeout(long now) {
      endpoint.handleTimeout(now);
    }

    @Override
    protected void deliver(long now, Send s) {
      if (s.broadcast()) {
        endpoint.broadcastShared(s.channel(), s.data());
        return;
      }
      Peer p = peers.get(s.target());
      RealtimeConnection.MessageCallbacks cb =
          p == null ? s.callbacks() : onExecutor(s.callbacks(), p.serial());
      if (p == null || !endpoint.sendShared(p.id(), s.channel(), s.data(), cb)) {
        if (cb != null) {
          cb.onTimedOut(); // refused after send returned true: the message never went out
        }
      }
    }

    void disconnectOnLoop(int clientId, int code, String text) {
      if (!isStopped()) {
        endpoint.disconnect(System.nanoTime(), clientId, code, text);
        flush();
      }
    }

    void closeOnLoop() {
      if (isStopped()) {
        return;
      }
      long now = System.nanoTime();
      for (Integer id : peers.keySet().toArray(new Integer[0])) {
        endpoint.disconnect(now, id, RealtimeConnection.REASON_CLOSED, "server closed");
      }
      flush(); // the DISCONNECT copies go to the socket before it closes
      stopOnLoop();
      endpoint.close();
      channel().close();
    }

    // RealtimeServerEndpoint.Listener: runs inside endpoint calls, on the loop.

    @Override
    public void onConnected(int clientId, InetSocketAddress address) {
      Peer p =
          new Peer(
              clientId,
              address,
              listenerExecutor == null ? null : new SerialExecutor(listenerExecutor));
      peers.put(clientId, p);
      post(p, () -> b.listener.onConnected(clientId, address));
    }

    @Override
    public void onMessage(int clientId, int channel, ByteBuf message) {
      Peer p = peers.get(clientId);
      if (p == null) {
        return;
      }
      if (p.serial() == null) {
        try {
          b.listener.onMessage(clientId, channel, ByteBufUtil.getBytes(message)); // no task object
        } catch (RuntimeException e) {
          listenerFailed(e);
        }
      } else {
        byte[] copy =
            ByteBufUtil.getBytes(message); // the datagram buffer is reused after this call
        p.serial().execute(() -> b.listener.onMessage(clientId, channel, copy));
      }
    }

    @Override
    public void onDisconnected(int clientId, int code, String text, boolean byPeer) {
      Peer p = peers.remove(clientId);
      if (p != null) {
        post(p, () -> b.listener.onDisconnected(clientId, code, text, byPeer));
      }
    }

    private void post(Peer p, Runnable event) {
      if (p.serial() == null) {
        deliverInline(event);
      } else {
        p.serial().execute(event);
      }
    }
  }

  static void deliverInline(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  static void listenerFailed(RuntimeException e) {
    log.warn("a realtime listener threw; the connection goes on", e);
  }

  /**
   * Callbacks that run on {@code executor} instead of inside the endpoint; {@code cb} itself when
   * it is null, {@link RealtimeConnection.IoSafeCallbacks}, or there is no executor (listeners on
   * the I/O thread).
   */
  static RealtimeConnection.MessageCallbacks onExecutor(
      RealtimeConnection.MessageCallbacks cb, Executor executor) {
    if (cb == null || executor == null || cb instanceof RealtimeConnection.IoSafeCallbacks) {
      return cb;
    }
    return new RealtimeConnection.MessageCallbacks() {
      @Override
      public void onAcked() {
        executor.execute(cb::onAcked);
      }

      @Override
      public void onTimedOut() {
        executor.execute(cb::onTimedOut);
      }
    };
  }

  /** Configures a {@link RealtimeServer}; every setting has a safe default. */
  public static final class Builder {
    private InetSocketAddress bindAddress = new InetSocketAddress("0.0.0.0", DEFAULT_PORT);
    private RealtimeConfig config = RealtimeConfig.defaults();
    private HandshakeConfig handshake = HandshakeConfig.defaults();
    private int maxClients = 64;
    private RealtimeServerListener listener = new RealtimeServerListener() {};
    private IoThreads ioThreads;
    private Executor listenerExecutor;
    private boolean listenersOnIoThread;
    private int maxQueuedSends = 65_536;
    private final List<SideProtocol> sideProtocols = new ArrayList<>();
    private int socketBufferBytes = 4 * 1024 * 1024;
    private int maxDatagramsPerRead = DatagramDriver.DEFAULT_MAX_DATAGRAMS_PER_READ;
    private int maxPendingWriteBytes = DatagramDriver.DEFAULT_MAX_PENDING_WRITE_BYTES;

    private Builder() {}

    /** Where to listen: {@code host:port}, {@code [v6]:port}; default {@code 0.0.0.0:7777}. */
    public Builder bind(String address) {
      this.bindAddress = Addresses.parse(address, DEFAULT_PORT);
      return this;
    }

    public Builder bind(InetSocketAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Channels, MTU, timeouts, congestion; both ends must agree on the channels. */
    public Builder config(RealtimeConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder handshake(HandshakeConfig handshake) {
      this.handshake = Objects.requireNonNull(handshake, "handshake");
      return this;
    }

    /** Clients connected at once; more are denied with "server full" (default 64). */
    public Builder maxClients(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxClients must be at least 1, was " + n);
      }
      this.maxClients = n;
      return this;
    }

    public Builder listener(RealtimeServerListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Shares I/O threads with other servers and clients; the caller closes them. The server uses
     * one of them. Without this the server starts one I/O thread of its own.
     */
    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    /** Runs listener callbacks on this executor, in order per client (default: 4 own threads). */
    public Builder listenerExecutor(Executor executor) {
      this.listenerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs listener callbacks directly on the I/O thread: no hand-off and no copy queue, but a
     * callback that blocks stalls every client of this server.
     */
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

    /** Messages waiting for the I/O thread before {@code send} returns false (default 65536). */
    public Builder maxQueuedSends(int n) {
      this.maxQueuedSends = DatagramDriver.checkMaxQueuedSends(n);
      return this;
    }

    /** SO_RCVBUF and SO_SNDBUF asked of the kernel (default 4 MiB; the kernel may cap it). */
    public Builder socketBufferBytes(int n) {
      if (n < 65_536) {
        throw new IllegalArgumentException("socketBufferBytes must be at least 65536, was " + n);
      }
      this.socketBufferBytes = n;
      return this;
    }

    /**
     * Datagrams handled per read batch before the I/O thread runs its timers and queued sends
     * (default 64): a flood of inbound datagrams cannot starve them. Each batch is followed by one
     * output pass.
     */
    public Builder maxDatagramsPerRead(int n) {
      this.maxDatagramsPerRead = DatagramDriver.checkMaxDatagramsPerRead(n);
      return this;
    }

    /**
     * Bytes written to the socket but not yet taken by the kernel before the server stops writing
     * (default 1 MiB); writing resumes below half of it. Meanwhile output waits in the connections
     * (docs/PROTOCOL.md section 8).
     */
    public Builder maxPendingWriteBytes(int n) {
      this.maxPendingWriteBytes = DatagramDriver.checkMaxPendingWriteBytes(n);
      return this;
    }

    public RealtimeServer build() {
      return new RealtimeServer(this);
    }
  }
}
