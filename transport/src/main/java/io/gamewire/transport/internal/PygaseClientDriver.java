package io.gamewire.transport.internal;

import io.gamewire.protocol.pygase.PygaseClientEndpoint;
import io.gamewire.protocol.pygase.PygaseCodec;
import io.gamewire.protocol.pygase.PygaseConfig;
import io.gamewire.protocol.pygase.PygaseEvent;
import io.gamewire.protocol.pygase.PygaseWire;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.transport.IoThreads;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A PyGaSe 0.3.1 profile client on its own UDP socket (docs/PYGASE.md): a Netty datagram channel
 * that drives a {@link PygaseClientEndpoint} on its event loop, with one timer re-armed to the
 * endpoint's next deadline. Listener calls run in order on a listener thread, never on the I/O
 * thread; {@link #dispatch}, {@link #disconnect} and the state getters may be called from any
 * thread. {@link #close} releases the socket and the threads it started.
 */
public final class PygaseClientDriver implements AutoCloseable {
  /** The client's state as last applied: an immutable tree, its time order and the status. */
  public record Snapshot(Map<Object, Object> state, int timeOrder, GameStatus status) {}

  private static final ThreadLocal<PygaseCodec> CHECKER = ThreadLocal.withInitial(PygaseCodec::new);

  private final InetSocketAddress server;
  private final PygaseConfig config;
  private final PygaseClientEndpoint.Listener appListener;
  private final Handler handler = new Handler();
  private final Runnable timerTask = this::onTimer;
  private IoThreads ownThreads;
  private ExecutorService ownListenerPool;
  private SerialExecutor serial;
  private PygaseClientEndpoint endpoint;
  private Channel channel;
  private EventLoop loop;
  private ScheduledFuture<?> timer;
  private long timerDeadline = Long.MAX_VALUE;
  private volatile Snapshot snapshot = new Snapshot(StateTree.EMPTY, 0, GameStatus.PAUSED);
  private volatile boolean connected;
  private volatile boolean ended;
  private volatile boolean closed;

  public PygaseClientDriver(
      InetSocketAddress server, PygaseConfig config, PygaseClientEndpoint.Listener listener) {
    this.server = Objects.requireNonNull(server, "server");
    this.config = Objects.requireNonNull(config, "config");
    this.appListener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Opens a socket and starts sending to the server (no handshake: the endpoint reports connected
   * when the first server package arrives). {@code threads} may be null: the driver then starts one
   * I/O thread of its own.
   */
  public PygaseClientDriver start(IoThreads threads) {
    if (endpoint != null) {
      throw new IllegalStateException("the driver was already started");
    }
    IoThreads io = threads;
    if (io == null) {
      io = ownThreads = IoThreads.create(1, "gamewire-pygase-client");
    }
    if (threads != null) {
      serial = new SerialExecutor(threads.listenerPool()); // shared I/O threads, shared listeners
    } else {
      ownListenerPool = ListenerThreads.newPool(1, "gamewire-pygase-client-listener");
      serial = new SerialExecutor(ownListenerPool);
    }
    endpoint =
        new PygaseClientEndpoint(config, server, PooledByteBufAllocator.DEFAULT, new HandOff());
    InetSocketAddress local =
        server.getAddress() instanceof Inet6Address
            ? new InetSocketAddress("::", 0)
            : new InetSocketAddress("0.0.0.0", 0);
    Bootstrap b =
        new Bootstrap()
            .group(io.group())
            .channel(EventLoops.datagramChannel())
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                new FixedRecvByteBufAllocator(PygaseWire.MAX_PACKAGE_BYTES + 64))
            .handler(handler);
    try {
      channel = b.bind(local).sync().channel();
    } catch (Exception e) {
      close();
      throw new UncheckedIOException(
          new BindException("cannot open a UDP socket to reach " + server + ": " + e));
    }
    loop = channel.eventLoop();
    loop.execute(
        () -> {
          endpoint.connect(System.nanoTime());
          flushOutput();
        });
    return this;
  }

  // ------------------------------------------------------------------ any thread

  /**
   * Queues an event for the server. Returns false if the connection has ended. An event outside the
   * state model or too large throws {@link IllegalArgumentException} here; {@code callbacks}
   * (nullable) run on the listener thread, and time out if the queue was full.
   */
  public boolean dispatch(PygaseEvent event, MessageCallbacks callbacks) {
    CHECKER.get().encodeEvent(event);
    if (ended || closed || loop == null) {
      return false;
    }
    MessageCallbacks cb = onListenerThread(callbacks);
    return onLoop(
        () -> {
          if (!endpoint.dispatch(event, cb) && cb != null) {
            cb.onTimedOut();
          }
        });
  }

  /** Ends the connection; with {@code shutdownServer} sends PyGaSe's {@code shutdown} datagram. */
  public void disconnect(boolean shutdownServer) {
    onLoop(() -> endpoint.disconnect(System.nanoTime(), shutdownServer));
  }

  /** {@link #disconnect} and waits (at most 2 s) until the loop has sent what it must. */
  public void disconnectAndWait(boolean shutdownServer) {
    EventLoop l = loop;
    if (l == null || closed) {
      return;
    }
    try {
      l.submit(
              () -> {
                endpoint.disconnect(System.nanoTime(), shutdownServer);
                flushOutput();
              })
          .awaitUninterruptibly(2, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the I/O threads are gone: nothing more can be sent
    }
  }

  /** The connection's statistics, read on the loop (waits at most 2 s); null if unavailable. */
  public io.gamewire.protocol.realtime.ConnectionStats stats() {
    EventLoop l = loop;
    if (l == null || closed) {
      return null;
    }
    if (l.inEventLoop()) {
      return endpoint.stats();
    }
    try {
      return l.submit(endpoint::stats).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  public boolean isConnected() {
    return connected && !ended;
  }

  public boolean hasEnded() {
    return ended;
  }

  /** The last applied state; safe to read from any thread. */
  public Snapshot snapshot() {
    return snapshot;
  }

  public InetSocketAddress localAddress() {
    Channel c = channel;
    return c == null ? null : (InetSocketAddress) c.localAddress();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Channel c = channel;
    if (c != null) {
      c.eventLoop()
          .submit(
              () -> {
                cancelTimer();
                endpoint.close();
                c.close();
              })
          .awaitUninterruptibly(5, TimeUnit.SECONDS);
      c.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
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

  private boolean onLoop(Runnable task) {
    EventLoop l = loop;
    if (l == null || closed) {
      return false;
    }
    try {
      l.execute(
          () -> {
            if (!closed) {
              task.run();
              flushOutput();
            }
          });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ loop

  private void flushOutput() {
    Channel c = channel;
    if (c == null || closed) {
      return;
    }
    long now = System.nanoTime();
    boolean wrote = false;
    ByteBuf d;
    while ((d = endpoint.pollDatagram(now)) != null) {
      c.write(new DatagramPacket(d, server), c.voidPromise());
      wrote = true;
    }
    if (wrote) {
      c.flush();
    }
    long deadline = endpoint.nextTimeoutNanos();
    if (deadline == Long.MAX_VALUE) {
      return;
    }
    if (deadline - now < PygaseServerSide.MIN_TIMER_NANOS) {
      deadline = now + PygaseServerSide.MIN_TIMER_NANOS;
    }
    if (timer != null && timerDeadline - deadline <= 0) {
      return;
    }
    cancelTimer();
    timerDeadline = deadline;
    timer = loop.schedule(timerTask, deadline - now, TimeUnit.NANOSECONDS);
  }

  private void onTimer() {
    timer = null;
    timerDeadline = Long.MAX_VALUE;
    if (closed) {
      return;
    }
    endpoint.handleTimeout(System.nanoTime());
    flushOutput();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
      timerDeadline = Long.MAX_VALUE;
    }
  }

  private final class Handler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket p = (DatagramPacket) msg;
      try {
        if (!closed) {
          endpoint.handleDatagram(System.nanoTime(), p.sender(), p.content());
        }
      } finally {
        p.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      flushOutput();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // ICMP port unreachable and the like: UDP goes on, the 5 s timeout decides.
    }
  }

  // ------------------------------------------------------------------ hand-off

  private MessageCallbacks onListenerThread(MessageCallbacks cb) {
    if (cb == null) {
      return null;
    }
    return new MessageCallbacks() {
      @Override
      public void onAcked() {
        serial.execute(cb::onAcked);
      }

      @Override
      public void onTimedOut() {
        serial.execute(cb::onTimedOut);
      }
    };
  }

  /** Runs on the loop inside endpoint calls; hands everything to the listener thread. */
  private final class HandOff implements PygaseClientEndpoint.Listener {
    @Override
    public void onConnected() {
      connected = true;
      serial.execute(appListener::onConnected);
    }

    @Override
    public void onStateChanged(Map<Object, Object> state, int timeOrder, GameStatus status) {
      snapshot = new Snapshot(state, timeOrder, status);
      serial.execute(() -> appListener.onStateChanged(state, timeOrder, status));
    }

    @Override
    public void onEvent(PygaseEvent event) {
      serial.execute(() -> appListener.onEvent(event));
    }

    @Override
    public void onDisconnected(boolean timedOut) {
      ended = true;
      serial.execute(() -> appListener.onDisconnected(timedOut));
    }
  }
}
