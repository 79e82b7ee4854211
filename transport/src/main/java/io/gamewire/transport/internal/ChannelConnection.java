package io.gamewire.transport.internal;

import io.gamewire.protocol.packet.CloseReasons;
import io.gamewire.protocol.packet.ConnectionState;
import io.gamewire.protocol.packet.ConnectionType;
import io.gamewire.protocol.packet.PacketConnection;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.packet.PingReply;
import io.gamewire.protocol.packet.SecurityLevel;
import io.gamewire.protocol.packet.SendContext;
import io.gamewire.protocol.stats.TrafficSnapshot;
import io.gamewire.transport.Connection;
import io.gamewire.transport.HandshakeFailedException;
import io.gamewire.transport.RegistryMismatchException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.internal.PlatformDependent;
import java.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of one packet connection: feeds socket bytes to a sans-I/O {@link
 * PacketConnection}, writes what it produces in batches, runs its timers on the event loop, and
 * hands events to the application on a listener executor. Everything that touches the protocol
 * state runs on the channel's event loop; other threads see published copies.
 */
public final class ChannelConnection extends ChannelInboundHandlerAdapter
    implements Connection, PacketConnection.Listener {
  private static final Logger log = LoggerFactory.getLogger(ChannelConnection.class);

  /**
   * Listener events queued beyond this stop reading the socket until they drain to the low mark.
   */
  private static final int EVENTS_HIGH_WATER = 4096;

  private static final int EVENTS_LOW_WATER = 1024;

  /**
   * Sends queued from other threads that one turn of the event loop encodes before it flushes and
   * lets other channels run; the rest wait for the next turn.
   */
  private static final int SEND_BATCH = 1024;

  /**
   * Sends queued from other threads beyond which {@link #isWritable()} reports false, so that a
   * sender that watches it cannot run arbitrarily far ahead of the I/O thread.
   */
  private static final int QUEUED_SENDS_HIGH_WATER = 8192;

  /**
   * Bytes that application threads may have encoded and not yet handed to the event loop before
   * {@link #isWritable()} reports false.
   */
  private static final int OUTBOUND_HIGH_WATER_BYTES = 256 * 1024;

  /** Encoded bytes that are written out at once rather than held for the end of the turn. */
  private static final int WRITE_THRESHOLD_BYTES = 64 * 1024;

  /** Time a closing connection gets to flush its {@code closeconn} before the socket is cut. */
  private static final long CLOSE_FLUSH_MILLIS = 2000;

  /** What the owning server or client does with events; called on the listener executor. */
  public interface Events {
    default void connected(ChannelConnection c) {}

    default void handshakeComplete(ChannelConnection c) {}

    default void received(ChannelConnection c, PacketType<?> type, Object body) {}

    default void sent(ChannelConnection c, PacketType<?> type, Object body) {}

    default void closed(ChannelConnection c, String reason, boolean byPeer) {}
  }

  /** How the connection is set up; shared by every connection of one server or client. */
  public record Settings(
      Function<ChannelConnection, PacketConnection> protocolFactory,
      Executor listenerExecutor,
      Events events,
      boolean wantsSendEvents,
      long writeBudgetBytes,
      SecurityPolicy security) {}

  /** Decides the security level once TLS is up. */
  public interface SecurityPolicy {
    SecurityPolicy NONE = handler -> SecurityLevel.NONE;

    SecurityLevel levelAfterHandshake(SslHandler handler);

    /** Server side: BOTHAUTH when the client presented a verified certificate, else ENCRYPTED. */
    static SecurityPolicy server() {
      return handler -> {
        try {
          handler.engine().getSession().getPeerCertificates();
          return SecurityLevel.BOTHAUTH;
        } catch (SSLPeerUnverifiedException e) {
          return SecurityLevel.ENCRYPTED;
        }
      };
    }

    /** Client side, from what was configured and what the session shows. */
    static SecurityPolicy client(boolean verifiesServer, boolean verifiesHostname) {
      return handler -> {
        if (!verifiesServer || !verifiesHostname) {
          return SecurityLevel.ENCRYPTED;
        }
        return handler.engine().getSession().getLocalCertificates() != null
            ? SecurityLevel.BOTHAUTH
            : SecurityLevel.SERVERAUTH;
      };
    }
  }

  private final long id;
  private final Settings settings;
  private final Executor events;
  private final SerialExecutor serial;
  private final CompletableFuture<Void> handshake = new CompletableFuture<>();
  private final CompletableFuture<PingReply> ping = new CompletableFuture<>();
  private final CompletableFuture<String> closed = new CompletableFuture<>();

  private Channel channel;
  private EventLoop loop;
  private ChannelHandlerContext ctx;
  private PacketConnection protocol;
  private boolean inRead;
  private boolean flushScheduled;
  private boolean closing;
  private ScheduledFuture<?> timer;
  private long timerDeadline = Long.MAX_VALUE;
  private final Runnable flushTask = this::flushNow;
  private final Runnable drainTask = this::drainQueuedSends;
  private final Runnable batchTask = this::flushOutbound;

  /**
   * Frames application threads encoded themselves (the fast path of {@link #send}); its lock also
   * guards adding to {@link #queuedSends}, so the two kinds of send keep their call order.
   */
  private OutboundBatch outbound;

  /** What {@link #sendContextView} was last set to; loop thread only. */
  private SendContext publishedSendContext;

  /** Non-null while application threads may encode sends themselves. */
  private volatile SendContext sendContextView;

  /** Sends from other threads, in call order, waiting for the event loop. */
  private final Queue<QueuedSend> queuedSends = PlatformDependent.newMpscQueue();

  /** Sends added to {@link #queuedSends} and not yet taken; the drain task runs while positive. */
  private final AtomicInteger queuedSendCount = new AtomicInteger();

  private record QueuedSend(PacketType<Object> type, Object body) {}

  private final Runnable timerTask = this::onTimer;

  // Published copies for other threads.
  private volatile int stateView = ConnectionState.INIT;
  private volatile int modeView;
  private volatile SecurityLevel securityView = SecurityLevel.NONE;
  private volatile ConnectionType typeView;
  private volatile String closeReasonView;
  private volatile Object attachment;

  public ChannelConnection(long id, Settings settings) {
    this.id = id;
    this.settings = settings;
    if (settings.listenerExecutor() == null) {
      this.serial = null;
      this.events = Runnable::run;
    } else {
      this.serial = new SerialExecutor(settings.listenerExecutor());
      this.events = serial;
    }
  }

  // ---------------------------------------------------------------- Netty events (event loop)

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.channel = ctx.channel();
    this.loop = channel.eventLoop();
    this.protocol = settings.protocolFactory().apply(this);
    this.outbound =
        new OutboundBatch(
            channel.alloc(), protocol.config(), protocol::newFrameEncoder, queuedSendCount);
    if (channel.isActive()) {
      activate();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    activate();
    ctx.fireChannelActive();
  }

  private boolean activated;

  private void activate() {
    if (activated) {
      return;
    }
    activated = true;
    post(() -> settings.events().connected(this));
    if (channel.pipeline().get(SslHandler.class) == null) {
      startProtocol();
    }
  }

  private void startProtocol() {
    protocol.start(System.nanoTime());
    after();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent e) {
      if (e.isSuccess()) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        protocol.setSecurityLevel(settings.security().levelAfterHandshake(ssl));
        securityView = protocol.securityLevel();
        startProtocol();
      } else {
        failTransport(CloseReasons.TLS_FAILED, "TLS handshake failed: " + rootMessage(e.cause()));
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    protocol.handleData(System.nanoTime(), (ByteBuf) msg);
    after();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    ctx.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    protocol.handleEndOfStream(System.nanoTime());
    publish();
    cancelTimer();
    outbound.close();
    protocol.close();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (isTlsFailure(cause)) {
      failTransport(CloseReasons.TLS_FAILED, "TLS failed: " + rootMessage(cause));
    } else {
      log.debug("connection {} failed", id, cause);
      failTransport(CloseReasons.IO_ERROR, rootMessage(cause));
    }
  }

  private void failTransport(String reason, String detail) {
    protocol.handleTransportError(System.nanoTime(), reason, detail);
    publish();
    ByteBuf pending = protocol.pollOutput();
    if (pending != null) {
      pending.release();
    }
    channel.close();
  }

  private static boolean isTlsFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
  }

  // ---------------------------------------------------------------- after every protocol call

  /** Publishes state, writes output, closes if asked, and re-arms the timer. */
  private void after() {
    publish();
    ByteBuf out = protocol.pollOutput();
    if (closing) {
      // The close is under way (closeconn flushing, or the socket already shut): nothing more to
      // do.
      if (out != null) {
        out.release();
      }
      return;
    }
    if (protocol.isCloseRequested()) {
      closing = true;
      cancelTimer();
      if (out != null) {
        channel.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        // A peer that stopped reading would keep the socket open forever: cut it after a grace
        // time.
        loop.schedule(() -> channel.close(), CLOSE_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        channel.close();
      }
      return;
    }
    if (protocol.isClosed()) {
      closing = true;
      if (out != null) {
        out.release();
      }
      cancelTimer();
      channel.close();
      return;
    }
    if (out != null) {
      if (exceedsWriteBudget(out.readableBytes())) {
        out.release();
        protocol.handleTransportError(
            System.nanoTime(),
            CloseReasons.WRITE_BUDGET_EXCEEDED,
            "the peer is not reading: more than " + settings.writeBudgetBytes() + " bytes unsent");
        publish();
        ByteBuf closing = protocol.pollOutput();
        if (closing != null) {
          closing.release();
        }
        channel.close();
        return;
      }
      if (inRead) {
        ctx.write(out);
      } else {
        ctx.writeAndFlush(out);
      }
    }
    armTimer();
  }

  private boolean exceedsWriteBudget(int adding) {
    ChannelOutboundBuffer buf = channel.unsafe().outboundBuffer();
    long pending = buf == null ? 0 : buf.totalPendingWriteBytes();
    return pending + adding > settings.writeBudgetBytes();
  }

  /** Publishes what changed; a volatile write (a fence) only when a value is new. */
  private void publish() {
    int state = protocol.state();
    if (state != stateView) {
      stateView = state;
    }
    int mode = protocol.mode();
    if (mode != modeView) {
      modeView = mode;
    }
    ConnectionType type = protocol.connectionType();
    if (type != typeView) {
      typeView = type;
    }
    SendContext sc = protocol.sendContext();
    if (sc != publishedSendContext) {
      publishedSendContext = sc;
      sendContextView = sc;
    }
    if (protocol.isClosed()) {
      closeReasonView = protocol.closeReason();
    }
  }

  private void armTimer() {
    long deadline = protocol.nextDeadlineNanos();
    if (deadline == Long.MAX_VALUE || (timer != null && timerDeadline <= deadline)) {
      return;
    }
    cancelTimer();
    timerDeadline = deadline;
    long delay = Math.max(0, deadline - System.nanoTime());
    timer = loop.schedule(timerTask, delay, TimeUnit.NANOSECONDS);
  }

  private void onTimer() {
    timer = null;
    timerDeadline = Long.MAX_VALUE;
    protocol.handleTimeout(System.nanoTime());
    after();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
      timerDeadline = Long.MAX_VALUE;
    }
  }

  // ---------------------------------------------------------------- PacketConnection.Listener
  // (loop)

  @Override
  public void onHandshakeComplete() {
    publish();
    handshake.complete(null);
    post(() -> settings.events().handshakeComplete(this));
  }

  @Override
  public void onPacket(PacketType<?> type, Object body) {
    if (serial == null) {
      settings.events().received(this, type, body); // no task object per packet
      return;
    }
    post(() -> settings.events().received(this, type, body));
  }

  @Override
  public void onPingReply(PingReply reply) {
    ping.complete(reply);
  }

  @Override
  public void onClosed(String reason, boolean byPeer) {
    publish();
    closeReasonView = reason;
    if (!handshake.isDone()) {
      String detail = protocol.closeDetail() != null ? protocol.closeDetail() : reason;
      handshake.completeExceptionally(
          CloseReasons.REGISTRY_MISMATCH.equals(reason)
              ? new RegistryMismatchException(detail)
              : new HandshakeFailedException(
                  reason, "connection closed (" + reason + "): " + detail));
    }
    if (!ping.isDone()) {
      ping.completeExceptionally(
          new HandshakeFailedException(
              reason, "connection closed before the ping reply: " + reason));
    }
    closed.complete(reason);
    post(() -> settings.events().closed(this, reason, byPeer));
  }

  /** Hands an event to the listener executor; stops reading while too many are queued. */
  private void post(Runnable event) {
    if (serial == null) {
      event.run();
      return;
    }
    serial.execute(event);
    if (serial.pending() > EVENTS_HIGH_WATER && channel.config().isAutoRead()) {
      channel.config().setAutoRead(false);
      serial.execute(this::resumeWhenDrained);
    }
  }

  private void resumeWhenDrained() {
    if (serial.pending() <= EVENTS_LOW_WATER + 1) {
      loop.execute(() -> channel.config().setAutoRead(true));
    } else {
      serial.execute(this::resumeWhenDrained);
    }
  }

  // ---------------------------------------------------------------- Connection (any thread)

  @Override
  public long id() {
    return id;
  }

  @Override
  public SocketAddress remoteAddress() {
    return channel == null ? null : channel.remoteAddress();
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> boolean send(PacketType<T> type, T body) {
    protocol.checkSendable(type, body);
    if (stateView == ConnectionState.CLOSED) {
      return false;
    }
    if (loop.inEventLoop()) {
      drainQueuedSends(Integer.MAX_VALUE); // keep the order of earlier sends from other threads
      sendOnLoop(type, body);
      return true;
    }
    SendContext context = sendContextView;
    if (context != null && !settings.wantsSendEvents()) {
      // Fast path: encode here into the connection's batch; the loop writes a batch at a time.
      switch (outbound.append(context, type, body)) {
        case OutboundBatch.FIRST -> {
          loop.execute(batchTask);
          return true;
        }
        case OutboundBatch.ADDED -> {
          return true;
        }
        case OutboundBatch.CLOSED -> {
          return false;
        }
        default -> {} // the loop must decide: queue it
      }
    }
    // One queue per connection and one drain task per batch, instead of one event-loop task
    // (and possibly one wake-up) per packet.
    boolean first;
    synchronized (outbound) {
      queuedSends.add(new QueuedSend((PacketType<Object>) type, body));
      first = queuedSendCount.getAndIncrement() == 0;
    }
    if (first) {
      loop.execute(drainTask);
    }
    return true;
  }

  /** Hands the frames application threads encoded to the protocol's output and writes them. */
  private void flushOutbound() {
    if (protocol != null) {
      takeOutbound();
      after();
    }
  }

  private void takeOutbound() {
    if (outbound.hasFrames()) {
      ByteBuf frames = outbound.take();
      if (frames != null) {
        protocol.handleEncodedFrames(frames, outbound.takenCount());
      }
    }
  }

  /** Encodes up to {@link #SEND_BATCH} queued sends, writes them, and comes back for the rest. */
  private void drainQueuedSends() {
    drainQueuedSends(SEND_BATCH);
    if (protocol != null) {
      after();
    }
  }

  /**
   * Encodes up to {@code max} sends queued by other threads. While sends remain queued, exactly one
   * drain task is scheduled; this method reschedules it when it stops early.
   */
  private void drainQueuedSends(int max) {
    // Frames in the batch were encoded while nothing was queued one by one: they come first.
    takeOutbound();
    int taken = 0;
    while (queuedSendCount.get() > 0) {
      if (taken == max) {
        loop.execute(drainTask);
        return;
      }
      QueuedSend s = queuedSends.poll();
      if (s == null) {
        // Counted but not yet linked in by its producer: that producer saw a positive count, so
        // the drain task is ours to reschedule.
        loop.execute(drainTask);
        return;
      }
      taken++;
      try {
        encodeOnLoop(s.type(), s.body());
      } catch (RuntimeException e) {
        log.warn("could not send {} on {}", s.type().name(), this, e);
      }
      if (queuedSendCount.decrementAndGet() == 0) {
        return;
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public boolean send(String packetName, Object body) {
    PacketType<?> type = protocol.registry().byName(packetName);
    if (type == null) {
      throw new IllegalArgumentException("no packet named '" + packetName + "' is registered");
    }
    return send((PacketType<Object>) type, body);
  }

  private <T> void sendOnLoop(PacketType<T> type, T body) {
    if (!encodeOnLoop(type, body) || inRead) {
      return; // closed, or channelReadComplete flushes
    }
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(flushTask);
    }
  }

  /**
   * Encodes one packet into the pending output; writes the output early if it has grown large.
   * Returns false if the connection is closing or closed.
   */
  private <T> boolean encodeOnLoop(PacketType<T> type, T body) {
    boolean sent;
    try {
      sent = protocol.send(type, body);
    } catch (RuntimeException e) {
      // A mistake only the I/O thread can see (a frame over the maximum, a packet the server does
      // not know): the caller's thread has moved on, so say it loudly here.
      log.warn("connection {}: cannot send {}: {}", id, type.name(), e.getMessage());
      return !protocol.isClosed();
    }
    if (protocol.isCloseRequested() || protocol.isClosed()) {
      after();
      return false;
    }
    if (sent && settings.wantsSendEvents()) {
      post(() -> settings.events().sent(this, type, body));
    }
    if (protocol.pendingOutputBytes() >= WRITE_THRESHOLD_BYTES) {
      after();
    }
    return true;
  }

  private void flushNow() {
    flushScheduled = false;
    if (protocol != null) {
      after();
    }
  }

  @Override
  public void close(String reason) {
    if (loop == null) {
      return;
    }
    if (loop.inEventLoop()) {
      closeOnLoop(reason);
    } else {
      loop.execute(() -> closeOnLoop(reason));
    }
  }

  private void closeOnLoop(String reason) {
    drainQueuedSends(Integer.MAX_VALUE); // what was sent before close goes out before closeconn
    if (!protocol.isClosed()) {
      protocol.close(reason);
      after();
    }
  }

  @Override
  public boolean isOpen() {
    return ConnectionState.isEstablished(stateView);
  }

  @Override
  public int state() {
    return stateView;
  }

  @Override
  public void setState(int state) {
    onLoop(() -> protocol.setState(state));
  }

  @Override
  public int mode() {
    return modeView;
  }

  @Override
  public void setMode(int mode) {
    onLoop(() -> protocol.setMode(mode));
  }

  private void onLoop(Runnable r) {
    if (loop.inEventLoop()) {
      drainQueuedSends(Integer.MAX_VALUE);
      r.run();
      publish();
    } else {
      CompletableFuture<Void> done = new CompletableFuture<>();
      loop.execute(
          () -> {
            try {
              drainQueuedSends(Integer.MAX_VALUE); // earlier sends see the state they were sent in
              r.run();
              publish();
              done.complete(null);
            } catch (RuntimeException e) {
              done.completeExceptionally(e);
            }
          });
      try {
        done.join();
      } catch (java.util.concurrent.CompletionException e) {
        throw (RuntimeException) e.getCause();
      }
    }
  }

  @Override
  public ConnectionType connectionType() {
    return typeView;
  }

  @Override
  public SecurityLevel securityLevel() {
    return securityView;
  }

  @Override
  public TrafficSnapshot traffic() {
    return protocol.traffic().snapshot(System.nanoTime());
  }

  @Override
  public boolean isWritable() {
    return channel != null
        && channel.isWritable()
        && queuedSendCount.get() < QUEUED_SENDS_HIGH_WATER
        && outbound.pendingBytes() < OUTBOUND_HIGH_WATER_BYTES;
  }

  @Override
  public String closeReason() {
    return closeReasonView;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attach(Object attachment) {
    this.attachment = attachment;
  }

  // ---------------------------------------------------------------- for the server and client

  /** Completes when the handshake finishes; fails with the close reason if it does not. */
  public CompletableFuture<Void> handshakeFuture() {
    return handshake;
  }

  /** Completes with the server's answer on a ping connection. */
  public CompletableFuture<PingReply> pingFuture() {
    return ping;
  }

  /** Completes with the close reason once the connection is closed. */
  public CompletableFuture<String> closeFuture() {
    return closed;
  }

  public Channel channel() {
    return channel;
  }

  @Override
  public String toString() {
    return "connection " + id + " " + remoteAddress();
  }
}
