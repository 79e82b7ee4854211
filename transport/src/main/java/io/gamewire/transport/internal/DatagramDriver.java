package io.gamewire.transport.internal;

import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.transport.SideProtocol;
import io.gamewire.transport.SideSocket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty handler of one UDP socket that drives one sans-I/O realtime endpoint on the socket's
 * event loop. Subclasses adapt it to the server or the client endpoint.
 *
 * <p><b>Input.</b> Every datagram goes to {@link #handle} with {@code System.nanoTime()}; the
 * endpoint's output is drained once per read batch, in {@code channelReadComplete}, into writes
 * that share one flush. A read batch holds at most {@code maxDatagramsPerRead} datagrams ({@link
 * #receiveAllocator}); then the loop runs its timers and queued tasks before it reads on, so a
 * flood of inbound datagrams cannot starve timers and sends. (Netty's own allocators read one
 * datagram per batch unless told otherwise, and each batch costs an output pass over every
 * connection: that was the 500-client stall, see docs/PROTOCOL.md section 8.)
 *
 * <p><b>Output bound.</b> The socket's pending writes are bounded by the channel's write buffer
 * water marks ({@link #writeBufferWaterMark}). While the channel is not writable the driver stops
 * taking datagrams from the endpoint: they stay in the endpoint (reliable messages wait in their
 * channel queues, unreliable ones age out by {@code unreliableTimeoutNanos} and time out, handshake
 * replies are capped by the endpoint and dropped and counted there). Each stop is counted ({@link
 * #outputStalls}); output resumes when the channel is writable again.
 *
 * <p><b>Sends from other threads.</b> {@link #offer} puts a message on one bounded multi-producer
 * queue per socket and returns false when {@code maxQueuedSends} are already waiting: backpressure
 * that never blocks the caller. The first send after the queue went idle schedules one drain task;
 * the task hands up to {@link #SEND_BATCH} messages to the endpoint, drains the endpoint's output
 * once, and comes back for the rest.
 *
 * <p><b>Side protocols.</b> A datagram that a {@link SideProtocol} claims goes to it instead of the
 * endpoint; side protocols send through a {@link SideSocket} on the same channel.
 *
 * <p><b>Time.</b> One scheduled task on the loop, re-armed after every batch to the endpoint's next
 * deadline, waiting at least {@link #MIN_TIMER_NANOS}.
 */
public abstract class DatagramDriver extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(DatagramDriver.class);

  /** Queued sends handed to the endpoint before its output is written. */
  static final int SEND_BATCH = 1024;

  /**
   * The shortest timer wait. A deadline already past after a full drain means the endpoint waits
   * for its send budget, and the timer must not spin; and a server with hundreds of connections has
   * a deadline every few microseconds, each costing a pass over every connection, so timers are
   * coalesced to at most about one per millisecond per socket.
   */
  static final long MIN_TIMER_NANOS = 1_000_000L;

  /** Default datagrams handled per read batch before the loop runs timers and tasks. */
  public static final int DEFAULT_MAX_DATAGRAMS_PER_READ = 64;

  /** Default bound on bytes written to the socket but not yet taken by the kernel. */
  public static final int DEFAULT_MAX_PENDING_WRITE_BYTES = 1024 * 1024;

  /**
   * The receive allocator: {@code datagramBytes} per datagram, at most {@code maxDatagramsPerRead}
   * datagrams per read batch.
   */
  public static FixedRecvByteBufAllocator receiveAllocator(
      int datagramBytes, int maxDatagramsPerRead) {
    FixedRecvByteBufAllocator a = new FixedRecvByteBufAllocator(datagramBytes);
    a.maxMessagesPerRead(maxDatagramsPerRead);
    return a;
  }

  /** Water marks that bound pending writes to {@code maxPendingBytes} (resume at half). */
  public static WriteBufferWaterMark writeBufferWaterMark(int maxPendingBytes) {
    return new WriteBufferWaterMark(maxPendingBytes / 2, maxPendingBytes);
  }

  /** A message queued by {@link #offer}; {@code target} is a connection id (0 for a client). */
  public record Send(
      int target,
      int channel,
      ByteBuf data,
      RealtimeConnection.MessageCallbacks callbacks,
      boolean broadcast) {}

  private final int maxQueuedSends;
  private final Queue<Send> sends = PlatformDependent.newMpscQueue();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drainSends;
  private final Runnable timerTask = this::onTimer;
  private final Runnable flushTask = this::scheduledFlush;
  private boolean inRead; // between the first channelRead of a batch and channelReadComplete
  private boolean flushScheduled;

  private List<SideProtocol> sides = List.of();
  private final SideSocket sideSocket = new SharedSocket();

  private volatile Channel channel;
  private EventLoop loop;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private long timerDeadline = Long.MAX_VALUE;
  private volatile boolean stopped;
  private boolean unflushed; // datagrams written in the middle of a read batch
  private volatile long outputStalls;
  private volatile long datagramsRead;
  private volatile long readBatches;

  protected DatagramDriver(int maxQueuedSends) {
    if (maxQueuedSends < 1) {
      throw new IllegalArgumentException("maxQueuedSends must be at least 1");
    }
    this.maxQueuedSends = maxQueuedSends;
  }

  /**
   * A fast generator for tokens and nonces, seeded from {@code secure}: an off-path attacker cannot
   * predict it, and the event loop does not pay for SecureRandom per connection.
   */
  public static RandomGenerator randomFrom(SecureRandom secure) {
    byte[] seed = new byte[32];
    secure.nextBytes(seed);
    return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  }

  /** Protocols that share this socket; set before the channel registers. */
  public final void sideProtocols(List<SideProtocol> protocols) {
    this.sides = List.copyOf(protocols);
  }

  /** The largest datagram any side protocol receives, or 0. */
  public static int maxSideDatagramBytes(List<SideProtocol> protocols) {
    int max = 0;
    for (SideProtocol p : protocols) {
      max = Math.max(max, p.maxDatagramBytes());
    }
    return max;
  }

  // ---------------------------------------------------------------- endpoint adapter (loop)

  protected abstract void handle(long nowNanos, InetSocketAddress from, ByteBuf datagram);

  /** The next datagram to write, or null. */
  protected abstract DatagramPacket poll(long nowNanos);

  protected abstract long nextTimeoutNanos();

  protected abstract void timeout(long nowNanos);

  /** Hands one queued message to the endpoint; the driver releases {@code s.data()} afterwards. */
  protected abstract void deliver(long nowNanos, Send s);

  /**
   * Whether the endpoint has output that must be written before the rest of the read batch is
   * handled (an ack owed for many packets); the driver then writes it without waiting for the end
   * of the batch. The default never asks.
   */
  protected boolean hasUrgentOutput() {
    return false;
  }

  // ---------------------------------------------------------------- Netty (loop)

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.channel = ctx.channel();
    this.loop = ctx.channel().eventLoop();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    for (SideProtocol side : sides) {
      try {
        side.onAttach(sideSocket);
      } catch (RuntimeException e) {
        log.warn("side protocol {} failed to attach", side, e);
      }
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    DatagramPacket p = (DatagramPacket) msg;
    datagramsRead++; // loop thread only; volatile for readers elsewhere
    try {
      if (!stopped) {
        SideProtocol side = claimant(p.content());
        if (side != null) {
          side.onDatagram(p.sender(), p.content());
        } else {
          long now = System.nanoTime();
          handle(now, p.sender(), p.content());
          if (hasUrgentOutput() && write(now)) {
            unflushed = true; // flushed with the rest at the end of the batch
          }
        }
      }
    } catch (RuntimeException e) {
      // The endpoints never throw for wire bytes; anything else is our bug, not the peer's.
      log.warn("realtime endpoint failed on a datagram from {}", p.sender(), e);
    } finally {
      p.release();
    }
  }

  private SideProtocol claimant(ByteBuf datagram) {
    for (int i = 0; i < sides.size(); i++) {
      SideProtocol side = sides.get(i);
      if (side.claims(datagram)) {
        return side;
      }
    }
    return null;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    readBatches++;
    flush();
  }

  private void scheduledFlush() {
    flushScheduled = false;
    flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      flush(); // the kernel took the backlog: the endpoint's waiting output goes now
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // ICMP unreachable and friends surface here; UDP goes on.
    log.debug("realtime socket {}: {}", ctx.channel().localAddress(), cause.toString());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stopOnLoop();
    ctx.fireChannelInactive();
  }

  // ---------------------------------------------------------------- sends (any thread)

  /**
   * Queues a message; false if the queue is full or the socket is closed. On success the driver
   * owns {@code data}; on failure the caller still does.
   */
  protected final boolean offer(Send s) {
    EventLoop l = loop; // set at registration, before any public send is possible
    if (l.inEventLoop() && !stopped) {
      // A listener on the I/O thread (an echo, a reply): hand it over now instead of a queue
      // round trip; written at the end of the read batch, or by one flush task after this task.
      deliverNow(s);
      return true;
    }
    if (stopped || queued.incrementAndGet() > maxQueuedSends) {
      queued.decrementAndGet();
      return false;
    }
    sends.add(s);
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        l.execute(drainTask);
      } catch (RejectedExecutionException e) {
        drainQueued(Integer.MAX_VALUE); // the loop is gone: release what waits
      }
    }
    return true;
  }

  private void deliverNow(Send s) {
    try {
      deliver(System.nanoTime(), s);
    } catch (RuntimeException e) {
      log.warn("realtime send on channel {} failed", s.channel(), e);
    } finally {
      s.data().release();
    }
    if (!inRead && !flushScheduled) {
      flushScheduled = true;
      loop.execute(flushTask);
    }
  }

  /** Messages waiting for the event loop. */
  public final int queuedSends() {
    return queued.get();
  }

  /** Times output stopped because pending writes reached the bound (any thread). */
  public final long outputStalls() {
    return outputStalls;
  }

  /** Datagrams read from the socket (any thread). */
  public final long datagramsRead() {
    return datagramsRead;
  }

  /** Read batches (each followed by one output pass) (any thread). */
  public final long readBatches() {
    return readBatches;
  }

  private void drainSends() {
    drainScheduled.set(false);
    if (drainQueued(SEND_BATCH)) {
      flush();
    }
    if (!sends.isEmpty() && drainScheduled.compareAndSet(false, true)) {
      loop.execute(drainTask);
    }
  }

  /** Hands up to {@code max} queued messages to the endpoint; whether any were. */
  protected final boolean drainQueued(int max) {
    long now = System.nanoTime();
    int n = 0;
    Send s;
    while (n < max && (s = sends.poll()) != null) {
      queued.decrementAndGet();
      n++;
      try {
        if (!stopped) {
          deliver(now, s);
        } else if (s.callbacks() != null) {
          s.callbacks().onTimedOut();
        }
      } catch (RuntimeException e) {
        log.warn("realtime send on channel {} failed", s.channel(), e);
      } finally {
        s.data().release();
      }
    }
    return n > 0;
  }

  // ---------------------------------------------------------------- output and timer (loop)

  /** Writes everything the endpoint has to send now, flushes once, and re-arms the timer. */
  protected final void flush() {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    if (write(now) || unflushed) {
      unflushed = false;
      ctx.flush();
    }
    armTimer(now);
  }

  /** Writes (without flushing) what the endpoint has to send now; whether anything was. */
  private boolean write(long now) {
    boolean wrote = false;
    Channel ch = ctx.channel();
    while (true) {
      if (!ch.isWritable()) {
        // Pending writes reached the bound: leave the rest in the endpoint until the kernel
        // catches up (channelWritabilityChanged flushes again).
        outputStalls++;
        break;
      }
      DatagramPacket p = poll(now);
      if (p == null) {
        break;
      }
      ctx.write(p, ctx.voidPromise());
      wrote = true;
    }
    return wrote;
  }

  private void armTimer(long now) {
    long deadline = nextTimeoutNanos();
    if (deadline == Long.MAX_VALUE) {
      return;
    }
    if (deadline - now < MIN_TIMER_NANOS) {
      deadline = now + MIN_TIMER_NANOS;
    }
    if (timer != null && timerDeadline - deadline <= 0) {
      return; // an earlier (or equal) wake-up is armed; it re-arms when it fires
    }
    cancelTimer();
    timerDeadline = deadline;
    timer = loop.schedule(timerTask, deadline - now, TimeUnit.NANOSECONDS);
  }

  private void onTimer() {
    timer = null;
    timerDeadline = Long.MAX_VALUE;
    if (stopped) {
      return;
    }
    try {
      timeout(System.nanoTime());
    } catch (RuntimeException e) {
      log.warn("realtime endpoint failed in its timer", e);
    }
    flush();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
      timerDeadline = Long.MAX_VALUE;
    }
  }

  // ---------------------------------------------------------------- lifecycle

  public final Channel channel() {
    return channel;
  }

  public final EventLoop loop() {
    return loop;
  }

  /**
   * Stops driving the endpoint: cancels the timer and releases queued messages (their callbacks
   * time out). The subclass closes the endpoint. Loop only; idempotent.
   */
  protected final void stopOnLoop() {
    if (stopped) {
      return;
    }
    stopped = true;
    cancelTimer();
    drainQueued(Integer.MAX_VALUE);
    for (SideProtocol side : sides) {
      try {
        side.onDetach();
      } catch (RuntimeException e) {
        log.warn("side protocol {} failed to detach", side, e);
      }
    }
  }

  protected final boolean isStopped() {
    return stopped;
  }

  /** The socket as side protocols see it. */
  private final class SharedSocket implements SideSocket {
    @Override
    public void send(InetSocketAddress to, ByteBuf datagram) {
      EventLoop l = loop;
      if (l != null && l.inEventLoop()) {
        write(to, datagram);
        flush();
        return;
      }
      try {
        l.execute(
            () -> {
              write(to, datagram);
              flush();
            });
      } catch (RuntimeException e) {
        datagram.release(); // no loop, or it is shut down
      }
    }

    @Override
    public void write(InetSocketAddress to, ByteBuf datagram) {
      if (stopped || ctx == null) {
        datagram.release();
        return;
      }
      ctx.write(new DatagramPacket(datagram, to), ctx.voidPromise());
    }

    @Override
    public void flush() {
      if (ctx != null) {
        ctx.flush();
      }
    }

    @Override
    public InetSocketAddress localAddress() {
      Channel c = channel;
      return c == null ? null : (InetSocketAddress) c.localAddress();
    }

    @Override
    public EventLoop loop() {
      return loop;
    }
  }
}
