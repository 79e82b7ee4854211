package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The receiving end of one reliable channel: delivers each message id exactly once, in order for
 * {@link DeliveryMode#RELIABLE_ORDERED} or as it arrives for {@link
 * DeliveryMode#RELIABLE_UNORDERED}. It keeps a window of ids starting at the oldest id not yet
 * received; an id behind the window is a duplicate, an id beyond it is dropped (the sender resends
 * it later), and out-of-order bodies held for ordered delivery may not exceed a byte budget.
 *
 * <p>Memory: which ids of the window have arrived is one bit each. An ordered channel's held bodies
 * sit in a ring indexed by {@code id & (ring length - 1)} that is made on the first message and
 * grows (by powers of two, up to the window) only when a message arrives further ahead than it
 * reaches, so an idle channel holds about 200 bytes and one whose messages arrive in order 48 more.
 * Growth moves the held bodies; accepting allocates nothing else beyond the copy of a body it must
 * hold.
 */
public final class ReliableReceiver implements AutoCloseable {
  /** What {@link #accept} made of a message. */
  public enum Result {
    /** New: delivered at once (unordered) or held / delivered in order (ordered). */
    ACCEPTED,
    /** Already received. */
    DUPLICATE,
    /** Too far ahead of the window, or the hold budget is spent: dropped, the sender resends. */
    DROPPED
  }

  /** Slots of an ordered channel's first held ring. */
  static final int INITIAL_HELD_SLOTS = 8;

  private static final ByteBuf[] NO_HELD = new ByteBuf[0];

  private final boolean ordered;
  private final int mask;
  private final long[] received; // one bit per id of the window, at id & mask
  private ByteBuf[] held = NO_HELD; // ordered: bodies by id & (held.length - 1)
  private final ByteBufAllocator alloc;
  private final int maxHeldBytes;
  private int base;
  private int heldBytes;
  private long duplicates;
  private long dropped;

  /**
   * @param window ids accepted ahead of the oldest missing one (a power of two, at most 32768)
   * @param maxHeldBytes bytes of out-of-order messages an ordered channel may hold
   */
  public ReliableReceiver(DeliveryMode mode, int window, int maxHeldBytes, ByteBufAllocator alloc) {
    if (!mode.isReliable()) {
      throw new IllegalArgumentException(mode + " is not a reliable mode");
    }
    if (window < 2 || window > 0x8000 || Integer.bitCount(window) != 1) {
      throw new IllegalArgumentException("window must be a power of two in 2..32768");
    }
    this.ordered = mode == DeliveryMode.RELIABLE_ORDERED;
    this.mask = window - 1;
    this.received = new long[(window + 63) >>> 6];
    this.alloc = alloc;
    this.maxHeldBytes = maxHeldBytes;
  }

  /**
   * Takes a message. For an unordered channel, an ACCEPTED message is the caller's to deliver now
   * (from {@code body}, which is not retained). For an ordered channel the body is copied if it
   * must wait; call {@link #poll} afterwards to take whatever is now deliverable in order.
   */
  public Result accept(int id, ByteBuf body) {
    int ahead = MessageId.distance(id, base);
    if (ahead >= 0x8000) {
      duplicates++;
      return Result.DUPLICATE; // behind the window: delivered long ago
    }
    if (ahead > mask) {
      dropped++;
      return Result.DROPPED;
    }
    int slot = id & mask;
    if (isSet(slot)) {
      duplicates++;
      return Result.DUPLICATE;
    }
    if (ordered) {
      int n = body.readableBytes();
      if (ahead != 0 && heldBytes + n > maxHeldBytes) {
        dropped++;
        return Result.DROPPED;
      }
      if (ahead >= held.length) {
        growHeld(ahead);
      }
      ByteBuf copy = alloc.buffer(n, n);
      copy.writeBytes(body, body.readerIndex(), n);
      held[id & (held.length - 1)] = copy;
      heldBytes += n;
      set(slot);
      return Result.ACCEPTED;
    }
    set(slot);
    advanceUnordered();
    return Result.ACCEPTED;
  }

  /**
   * An ordered receiver's fast path: if {@code id} is the very message delivery waits for, marks it
   * delivered and returns true, and the caller hands the body on itself (no copy is held); then
   * {@link #poll} yields the held messages it unblocked. False otherwise: use {@link #accept}.
   */
  public boolean acceptNext(int id) {
    if (!ordered || id != base) {
      return false;
    }
    base = MessageId.next(base);
    return true;
  }

  /**
   * Makes the held ring reach {@code ahead} ids past {@code base}. Every held body's id is within
   * {@code held.length} of {@code base}, so each keeps a slot of its own in the larger ring.
   */
  private void growHeld(int ahead) {
    int length = Math.max(INITIAL_HELD_SLOTS, held.length);
    while (length <= ahead) {
      length <<= 1;
    }
    length = Math.min(length, mask + 1);
    ByteBuf[] grown = new ByteBuf[length];
    for (int d = 0; d < held.length; d++) {
      int id = base + d; // only its low bits pick a slot
      ByteBuf b = held[id & (held.length - 1)];
      if (b != null) {
        grown[id & (length - 1)] = b;
      }
    }
    held = grown;
  }

  private boolean isSet(int slot) {
    return (received[slot >>> 6] & (1L << slot)) != 0;
  }

  private void set(int slot) {
    received[slot >>> 6] |= 1L << slot;
  }

  private void clear(int slot) {
    received[slot >>> 6] &= ~(1L << slot);
  }

  private void advanceUnordered() {
    while (isSet(base & mask)) {
      clear(base & mask);
      base = MessageId.next(base);
    }
  }

  /**
   * Ordered channels: the next message in order if it has arrived (the caller owns and releases
   * it), else null. Unordered channels: always null.
   */
  public ByteBuf poll() {
    if (!ordered) {
      return null;
    }
    int slot = base & mask;
    if (!isSet(slot)) {
      return null;
    }
    int h = base & (held.length - 1);
    ByteBuf b = held[h];
    held[h] = null;
    clear(slot);
    heldBytes -= b.readableBytes();
    base = MessageId.next(base);
    return b;
  }

  /**
   * Whether {@code id} has arrived already (delivered, or held for ordered delivery), so that a
   * late resent fragment of it can be dropped before reassembly.
   */
  public boolean hasReceived(int id) {
    int ahead = MessageId.distance(id, base);
    if (ahead >= 0x8000) {
      return true;
    }
    return ahead <= mask && isSet(id & mask);
  }

  /** The oldest id not yet received (delivered, for ordered channels). */
  public int nextExpected() {
    return base;
  }

  public int heldBytes() {
    return heldBytes;
  }

  public long duplicates() {
    return duplicates;
  }

  public long dropped() {
    return dropped;
  }

  /** Releases held messages. */
  @Override
  public void close() {
    for (int i = 0; i < held.length; i++) {
      if (held[i] != null) {
        held[i].release();
        held[i] = null;
      }
    }
    heldBytes = 0;
  }
}
