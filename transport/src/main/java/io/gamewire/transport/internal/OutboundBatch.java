package io.gamewire.transport.internal;

import io.gamewire.protocol.packet.FrameEncoder;
import io.gamewire.protocol.packet.PacketConfig;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.packet.SendContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Frames that application threads encoded for one connection, waiting in one buffer for the
 * connection's event loop. A sender encodes on its own thread under a short lock; the loop takes
 * the whole buffer at once ({@link #take}) and writes it as one {@code ByteBuf}, so a burst of
 * sends costs one wake-up and one write, and nothing per packet beyond the encoding.
 *
 * <p>The lock also orders these sends against the ones handed to the loop one by one (see {@link
 * ChannelConnection}): while any of those is queued, {@link #append} refuses, so the caller queues
 * behind them.
 */
final class OutboundBatch {
  /** {@link #append} put the first frame into an empty batch: the caller schedules a drain. */
  static final int FIRST = 0;

  /** {@link #append} added to a batch a drain is already scheduled for. */
  static final int ADDED = 1;

  /** {@link #append} refused: the send must go to the event loop. */
  static final int REFUSED = 2;

  /** {@link #append} refused for good: the connection is closed. */
  static final int CLOSED = 3;

  private static final int INITIAL_BYTES = 1024;

  /** Batches larger than this are not used to size the next one. */
  private static final int MAX_SIZE_HINT_BYTES = 256 * 1024;

  /**
   * One encoder per sending thread, shared by every connection with the same settings that the
   * thread sends to (it holds that connection's lock while encoding), so a connection holds no
   * encoder of its own: a server broadcasting from a game thread to 1000 clients needs one.
   */
  private static final ThreadLocal<SenderEncoder> SENDER_ENCODERS = new ThreadLocal<>();

  private record SenderEncoder(PacketConfig config, FrameEncoder encoder) {}

  private final ByteBufAllocator alloc;
  private final PacketConfig config;
  private final Supplier<FrameEncoder> encoders;
  private final AtomicInteger queuedOneByOne;
  private ByteBuf frames;
  private int count;
  private int sizeHint = INITIAL_BYTES;
  private boolean closed;

  /** Bytes waiting; read without the lock by {@link ChannelConnection#isWritable()}. */
  private volatile int pendingBytes;

  /**
   * @param config the connection's settings; senders share an encoder per thread and settings
   * @param encoders makes an encoder for those settings
   * @param queuedOneByOne sends handed to the loop one by one and not yet encoded there; changed
   *     only while holding this object's lock (it is the lock), decremented by the loop at will
   */
  OutboundBatch(
      ByteBufAllocator alloc,
      PacketConfig config,
      Supplier<FrameEncoder> encoders,
      AtomicInteger queuedOneByOne) {
    this.alloc = alloc;
    this.config = config;
    this.encoders = encoders;
    this.queuedOneByOne = queuedOneByOne;
  }

  /**
   * Encodes {@code body} as a frame if {@code context} allows the send and no send is queued one by
   * one ahead of it. Returns {@link #FIRST}, {@link #ADDED}, {@link #REFUSED} or {@link #CLOSED}.
   *
   * @throws IllegalArgumentException if the frame would exceed the maximum frame length
   */
  synchronized <T> int append(SendContext context, PacketType<T> type, T body) {
    if (closed) {
      return CLOSED;
    }
    if (queuedOneByOne.get() > 0) {
      return REFUSED;
    }
    int wireId = context.wireIdFor(type);
    if (wireId < 0) {
      return REFUSED;
    }
    FrameEncoder encoder = senderEncoder();
    boolean first = frames == null;
    if (first) {
      frames = alloc.buffer(sizeHint);
    }
    try {
      encoder.encode(frames, wireId, type.codec(), body);
    } finally {
      if (first && !frames.isReadable()) {
        frames.release();
        frames = null;
      }
    }
    count++;
    pendingBytes = frames.readableBytes();
    return first ? FIRST : ADDED;
  }

  private FrameEncoder senderEncoder() {
    SenderEncoder e = SENDER_ENCODERS.get();
    if (e == null || (e.config() != config && !e.config().equals(config))) {
      if (e != null) {
        e.encoder().close();
      }
      e = new SenderEncoder(config, encoders.get());
      SENDER_ENCODERS.set(e);
    }
    return e.encoder();
  }

  /** Whether any frame is waiting; a racy hint for the event loop. */
  boolean hasFrames() {
    return pendingBytes > 0;
  }

  int pendingBytes() {
    return pendingBytes;
  }

  /**
   * Takes the waiting frames (the caller owns the buffer), or null if there are none; {@link
   * #takenCount()} tells how many frames it holds.
   */
  synchronized ByteBuf take() {
    ByteBuf b = frames;
    frames = null;
    takenCount = count;
    count = 0;
    pendingBytes = 0;
    if (b != null) {
      int size = b.readableBytes();
      sizeHint = size > MAX_SIZE_HINT_BYTES ? INITIAL_BYTES : Math.max(INITIAL_BYTES, size);
    }
    return b;
  }

  private int takenCount;

  /** The number of frames in the buffer the last {@link #take} returned; loop thread only. */
  int takenCount() {
    return takenCount;
  }

  /** Releases everything; later appends return {@link #CLOSED}. Idempotent. */
  synchronized void close() {
    closed = true;
    if (frames != null) {
      frames.release();
      frames = null;
    }
    count = 0;
    pendingBytes = 0;
  }
}
