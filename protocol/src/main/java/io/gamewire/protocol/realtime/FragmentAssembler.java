package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;

/**
 * Reassembles fragmented messages for one connection, across all its channels (docs/PROTOCOL.md
 * sections 4 and 6). A partial message is identified by (channel, message id); ids wrap, so once a
 * message completes or is evicted its id names a new message.
 *
 * <p>Everything passed to {@link #accept} is treated as untrusted wire data: it never throws for
 * it, and a fragment that breaks a rule is dropped and counted. The rules, all checked before any
 * allocation:
 *
 * <ul>
 *   <li>channel 0..254, message id 0..65535, count 1..{@code ceil(maxMessageBytes /
 *       Fragmenter.MIN_FRAGMENT_BYTES)} (never above 65535), index below count;
 *   <li>every fragment but the last has one common length {@code L >= MIN_FRAGMENT_BYTES}; the last
 *       has 1..L bytes; the total {@code (count - 1) * L + last} is at most {@code
 *       maxMessageBytes}. A lone fragment (count 1) is a whole message of 0..maxMessageBytes. A
 *       fragment that cannot belong to any such message is {@link #rejected() rejected};
 *   <li>a fragment whose count or length disagrees with the partial message already held for its
 *       (channel, id) is rejected and the partial message is dropped;
 *   <li>a fragment index already held is a {@link #duplicates() duplicate} and ignored.
 * </ul>
 *
 * <p>Memory: each partial message owns one buffer, allocated when its first fragment arrives and
 * sized to the largest total the rules still allow ({@code min(count * L, maxMessageBytes)}, or
 * when the last fragment comes first and L is unknown, the largest fitting {@code (count - 1) * L +
 * last}). It is never resized; fragment {@code i} is copied straight to offset {@code i * L} (a
 * last fragment that arrives first waits at the end of the buffer and moves down once L is known),
 * and on completion the buffer itself is handed to the caller, so a message costs one allocation
 * and one copy of each fragment. {@link #bytesInFlight()} is the sum of these buffers' capacities
 * and never exceeds {@code maxBytesInFlight}: before allocating, the least recently fed partial
 * messages are {@link #evicted() evicted} until the new buffer fits, and likewise when {@code
 * maxMessagesInFlight} partial messages are held. A partial message that receives no new fragment
 * for {@code incompleteTimeoutNanos} is evicted by {@link #expire}.
 *
 * <p>Bookkeeping lives in primitive arrays with one slot per partial message (per slot: a few ints,
 * a received bitmap of {@code ceil(maxCount / 64)} longs, and links of a least-recently-fed list).
 * An assembler starts with no slots, so a connection that never receives a fragmented message holds
 * none; when a new partial message finds every slot taken, the arrays double (from {@value
 * #INITIAL_SLOTS}) up to {@code maxMessagesInFlight}. Past that growth, accepting a fragment
 * allocates nothing beyond a new message's own buffer.
 *
 * <p>A caller that delivers reliably should drop fragments of message ids it has already delivered
 * before passing them in: a late resent fragment of a completed message looks like the start of a
 * new one and would sit here until it times out.
 */
public final class FragmentAssembler implements AutoCloseable {
  /** Channel 255 is reserved (docs/PROTOCOL.md section 4). */
  public static final int MAX_CHANNEL = 254;

  /** The reassembly memory per connection unless configured otherwise: four maximum messages. */
  public static final int DEFAULT_MAX_BYTES_IN_FLIGHT = 4 * Fragmenter.DEFAULT_MAX_MESSAGE_BYTES;

  /** How many partial messages a connection holds at once unless configured otherwise. */
  public static final int DEFAULT_MAX_MESSAGES_IN_FLIGHT = 64;

  /** The most partial messages an assembler may be configured to hold (lookups scan them). */
  public static final int MAX_MESSAGES_IN_FLIGHT_LIMIT = 1024;

  /** How long a partial message may go without a new fragment unless configured otherwise. */
  public static final long DEFAULT_INCOMPLETE_TIMEOUT_NANOS = 5_000_000_000L;

  /** Slots made for the first partial message. */
  static final int INITIAL_SLOTS = 4;

  private static final int[] NO_INTS = new int[0];
  private static final long[] NO_LONGS = new long[0];
  private static final ByteBuf[] NO_BUFFERS = new ByteBuf[0];

  private static final int NIL = -1;
  private static final int FREE = -1;

  private final int maxMessageBytes;
  private final int maxBytesInFlight;
  private final int maxMessagesInFlight;
  private final long incompleteTimeoutNanos;
  private final ByteBufAllocator alloc;
  private final int maxCount;
  private final int wordsPerSlot;

  // One slot per partial message, as parallel arrays; none until the first partial message.
  private int slots;
  private int[] keys = NO_INTS; // channel << 16 | message id, or FREE
  private int[] counts = NO_INTS;
  private int[] fragmentLengths = NO_INTS; // L, or 0 while only the last fragment is held
  private int[] lastLengths = NO_INTS; // the last fragment's length, or 0 until it arrives
  private int[] received = NO_INTS; // distinct fragments held
  private long[] fedAt = NO_LONGS; // when the slot last took a new fragment
  private ByteBuf[] buffers = NO_BUFFERS;
  private long[] receivedBits = NO_LONGS; // wordsPerSlot words per slot
  private int[] older = NO_INTS; // least-recently-fed list: head is the next to evict
  private int[] newer = NO_INTS;
  private int[] freeSlots = NO_INTS; // free slot numbers below freeTop

  private int freeTop;
  private int head = NIL;
  private int tail = NIL;
  private int bytesInFlight;
  private int messagesInFlight;
  private long rejected;
  private long evicted;
  private long duplicates;
  private long completed;
  private boolean closed;

  /** An assembler with the default limits. */
  public FragmentAssembler(ByteBufAllocator alloc) {
    this(
        Fragmenter.DEFAULT_MAX_MESSAGE_BYTES,
        DEFAULT_MAX_BYTES_IN_FLIGHT,
        DEFAULT_MAX_MESSAGES_IN_FLIGHT,
        DEFAULT_INCOMPLETE_TIMEOUT_NANOS,
        alloc);
  }

  /**
   * An assembler for messages up to {@code maxMessageBytes}, holding at most {@code
   * maxBytesInFlight} bytes (at least one maximum message) in at most {@code maxMessagesInFlight}
   * partial messages (1..{@link #MAX_MESSAGES_IN_FLIGHT_LIMIT}), each evicted after {@code
   * incompleteTimeoutNanos} without a new fragment. Buffers come from {@code alloc}.
   */
  public FragmentAssembler(
      int maxMessageBytes,
      int maxBytesInFlight,
      int maxMessagesInFlight,
      long incompleteTimeoutNanos,
      ByteBufAllocator alloc) {
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException(
          "maxMessageBytes must be positive, was " + maxMessageBytes);
    }
    if (maxBytesInFlight < maxMessageBytes) {
      throw new IllegalArgumentException(
          "maxBytesInFlight ("
              + maxBytesInFlight
              + ") must hold at least one maximum message ("
              + maxMessageBytes
              + " bytes)");
    }
    if (maxMessagesInFlight < 1 || maxMessagesInFlight > MAX_MESSAGES_IN_FLIGHT_LIMIT) {
      throw new IllegalArgumentException(
          "maxMessagesInFlight must be in 1.."
              + MAX_MESSAGES_IN_FLIGHT_LIMIT
              + ", was "
              + maxMessagesInFlight);
    }
    if (incompleteTimeoutNanos <= 0) {
      throw new IllegalArgumentException(
          "incompleteTimeoutNanos must be positive, was " + incompleteTimeoutNanos);
    }
    if (alloc == null) {
      throw new IllegalArgumentException("alloc is required");
    }
    this.maxMessageBytes = maxMessageBytes;
    this.maxBytesInFlight = maxBytesInFlight;
    this.maxMessagesInFlight = maxMessagesInFlight;
    this.incompleteTimeoutNanos = incompleteTimeoutNanos;
    this.alloc = alloc;
    // (count - 1) * MIN_FRAGMENT_BYTES + 1 <= maxMessageBytes
    this.maxCount =
        Math.min(
            Fragmenter.MAX_FRAGMENTS, (maxMessageBytes - 1) / Fragmenter.MIN_FRAGMENT_BYTES + 1);
    this.wordsPerSlot = (maxCount + 63) >>> 6;
  }

  /**
   * Doubles the slots (from none to {@value #INITIAL_SLOTS}), at most to maxMessagesInFlight.
   * Called only when every slot is taken, so the new slots are all the free ones.
   */
  private void growSlots() {
    int n = Math.min(maxMessagesInFlight, Math.max(INITIAL_SLOTS, 2 * slots));
    keys = Arrays.copyOf(keys, n);
    counts = Arrays.copyOf(counts, n);
    fragmentLengths = Arrays.copyOf(fragmentLengths, n);
    lastLengths = Arrays.copyOf(lastLengths, n);
    received = Arrays.copyOf(received, n);
    fedAt = Arrays.copyOf(fedAt, n);
    buffers = Arrays.copyOf(buffers, n);
    receivedBits = Arrays.copyOf(receivedBits, n * wordsPerSlot);
    older = Arrays.copyOf(older, n);
    newer = Arrays.copyOf(newer, n);
    freeSlots = Arrays.copyOf(freeSlots, n);
    Arrays.fill(keys, slots, n, FREE);
    for (int i = n - 1; i >= slots; i--) {
      freeSlots[freeTop++] = i; // lowest slot on top, as before
    }
    slots = n;
  }

  /**
   * Accepts one fragment of message {@code messageId} on {@code channel}: fragment {@code index} of
   * {@code count}, whose bytes are the readable bytes of {@code fragment} (copied; its indices are
   * left alone and the caller keeps ownership). Returns the whole message when this fragment
   * completes it, as a buffer whose readable bytes are the message (its capacity may be larger: it
   * is the buffer the message was reassembled in) and which the caller must release; otherwise
   * null. A fragment with {@code count} 1 is returned at once as a whole message. Never throws for
   * wire data: bad fragments are dropped and counted.
   */
  public ByteBuf accept(
      long nowNanos, int channel, int messageId, int index, int count, ByteBuf fragment) {
    if (closed) {
      throw new IllegalStateException("the assembler is closed");
    }
    int length = fragment.readableBytes();
    if (!couldBelongToAMessage(channel, messageId, index, count, length)) {
      rejected++;
      return null;
    }
    int key = channel << 16 | messageId;
    int slot = find(key);
    if (count == 1) {
      if (slot != NIL) {
        drop(slot); // the partial message claimed more fragments
        rejected++;
        return null;
      }
      ByteBuf whole = alloc.buffer(length, length);
      whole.writeBytes(fragment, fragment.readerIndex(), length);
      completed++;
      return whole;
    }
    if (slot == NIL) {
      start(nowNanos, key, index, count, length, fragment);
      return null;
    }
    return add(nowNanos, slot, index, count, length, fragment);
  }

  /**
   * The stateless rules: whether some message within the limits could contain this fragment. Sizes
   * are computed in long so that no claim can overflow.
   */
  private boolean couldBelongToAMessage(
      int channel, int messageId, int index, int count, int length) {
    if (channel < 0 || channel > MAX_CHANNEL || messageId < 0 || messageId > 0xffff) {
      return false;
    }
    if (count < 1 || count > maxCount || index < 0 || index >= count) {
      return false;
    }
    if (count == 1) {
      return length <= maxMessageBytes;
    }
    if (index < count - 1) {
      return length >= Fragmenter.MIN_FRAGMENT_BYTES
          && (long) (count - 1) * length + 1 <= maxMessageBytes;
    }
    // The last fragment: L is at least MIN_FRAGMENT_BYTES and at least this fragment's length.
    return length >= 1
        && (long) (count - 1) * Math.max(Fragmenter.MIN_FRAGMENT_BYTES, length) + length
            <= maxMessageBytes;
  }

  private void start(long nowNanos, int key, int index, int count, int length, ByteBuf fragment) {
    boolean last = index == count - 1;
    int capacity;
    if (last) {
      // L is unknown: reserve for the largest L the total allows; the rules guarantee widest >= L.
      int widest = (maxMessageBytes - length) / (count - 1);
      capacity = (count - 1) * widest + length;
    } else {
      capacity = (int) Math.min((long) count * length, maxMessageBytes);
    }
    if (messagesInFlight == maxMessagesInFlight) {
      evict(head);
    }
    while (bytesInFlight + capacity > maxBytesInFlight && head != NIL) {
      evict(head);
    }
    if (freeTop == 0) {
      growSlots(); // below maxMessagesInFlight, since one was evicted at the limit
    }
    // capacity <= maxMessageBytes <= maxBytesInFlight, so the loop above always makes room.
    int slot = freeSlots[--freeTop];
    ByteBuf buffer = alloc.buffer(capacity, capacity);
    buffers[slot] = buffer;
    bytesInFlight += buffer.capacity();
    messagesInFlight++;
    keys[slot] = key;
    counts[slot] = count;
    fragmentLengths[slot] = last ? 0 : length;
    lastLengths[slot] = last ? length : 0;
    received[slot] = 0;
    int base = slot * wordsPerSlot;
    Arrays.fill(receivedBits, base, base + ((count + 63) >>> 6), 0L);
    linkNewest(slot);
    // A last fragment that comes first waits at the end until L tells where it belongs.
    store(nowNanos, slot, index, last ? capacity - length : index * length, length, fragment);
  }

  private ByteBuf add(long nowNanos, int slot, int index, int count, int length, ByteBuf fragment) {
    if (counts[slot] != count) {
      return inconsistent(slot);
    }
    if (isReceived(slot, index)) {
      duplicates++;
      return null;
    }
    int fragmentLength = fragmentLengths[slot];
    int position;
    if (index == count - 1) {
      // The last fragment is not held yet, so this slot was started by another one and L is known.
      if (length > fragmentLength
          || (long) (count - 1) * fragmentLength + length > maxMessageBytes) {
        return inconsistent(slot);
      }
      lastLengths[slot] = length;
      position = (count - 1) * fragmentLength;
    } else if (fragmentLength == 0) {
      // Only the last fragment is held: this fragment's length is L.
      int lastLength = lastLengths[slot];
      if (length < lastLength || (long) (count - 1) * length + lastLength > maxMessageBytes) {
        return inconsistent(slot);
      }
      fragmentLengths[slot] = length;
      ByteBuf buffer = buffers[slot];
      moveDown(buffer, buffer.capacity() - lastLength, (count - 1) * length, lastLength);
      position = index * length;
    } else {
      if (length != fragmentLength) {
        return inconsistent(slot);
      }
      position = index * length;
    }
    store(nowNanos, slot, index, position, length, fragment);
    if (received[slot] < count) {
      return null;
    }
    ByteBuf whole = buffers[slot];
    whole.setIndex(0, (count - 1) * fragmentLengths[slot] + lastLengths[slot]);
    buffers[slot] = null; // now the caller's
    bytesInFlight -= whole.capacity();
    free(slot);
    completed++;
    return whole;
  }

  private void store(
      long nowNanos, int slot, int index, int position, int length, ByteBuf fragment) {
    buffers[slot].setBytes(position, fragment, fragment.readerIndex(), length);
    receivedBits[slot * wordsPerSlot + (index >>> 6)] |= 1L << index;
    received[slot]++;
    fedAt[slot] = nowNanos;
    unlink(slot);
    linkNewest(slot);
  }

  /**
   * Copies {@code length} bytes from {@code from} to {@code to <= from}, safe when they overlap.
   */
  private static void moveDown(ByteBuf buffer, int from, int to, int length) {
    int gap = from - to;
    if (gap == 0) {
      return;
    }
    // Chunks no longer than the gap never overlap, and each reads bytes not yet overwritten.
    for (int done = 0; done < length; done += gap) {
      int n = Math.min(gap, length - done);
      buffer.setBytes(to + done, buffer, from + done, n);
    }
  }

  private boolean isReceived(int slot, int index) {
    return (receivedBits[slot * wordsPerSlot + (index >>> 6)] & (1L << index)) != 0;
  }

  private ByteBuf inconsistent(int slot) {
    drop(slot);
    rejected++;
    return null;
  }

  /**
   * Evicts every partial message that has gone {@code incompleteTimeoutNanos} or longer without a
   * new fragment, and returns how many.
   */
  public int expire(long nowNanos) {
    int n = 0;
    while (head != NIL && nowNanos - fedAt[head] >= incompleteTimeoutNanos) {
      evict(head);
      n++;
    }
    return n;
  }

  /** When {@link #expire} next has work to do, or {@link Long#MAX_VALUE} if nothing is pending. */
  public long nextExpiryNanos() {
    if (head == NIL) {
      return Long.MAX_VALUE;
    }
    long due = fedAt[head] + incompleteTimeoutNanos;
    // Saturate rather than wrap for a clock near the top of the long range.
    return due < fedAt[head] ? Long.MAX_VALUE : due;
  }

  /** The capacity of all buffers held for partial messages; never above maxBytesInFlight. */
  public int bytesInFlight() {
    return bytesInFlight;
  }

  /** Partial messages held. */
  public int messagesInFlight() {
    return messagesInFlight;
  }

  /**
   * Fragments dropped for breaking a rule: bad channel, id, index or count, a length no message
   * within the limits could have, or a count or length that disagrees with the partial message
   * (which is dropped with it).
   */
  public long rejected() {
    return rejected;
  }

  /** Partial messages dropped for timing out or to make room for newer ones. */
  public long evicted() {
    return evicted;
  }

  /** Fragments ignored because their index was already held. */
  public long duplicates() {
    return duplicates;
  }

  /** Messages returned whole. */
  public long completed() {
    return completed;
  }

  /** The largest message this assembler reassembles. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The largest fragment count it accepts: {@code ceil(maxMessageBytes / MIN_FRAGMENT_BYTES)}. */
  public int maxFragmentCount() {
    return maxCount;
  }

  /** Releases every partial message. Idempotent; the assembler accepts nothing afterwards. */
  @Override
  public void close() {
    while (head != NIL) {
      drop(head);
    }
    closed = true;
  }

  private int find(int key) {
    for (int s = tail; s != NIL; s = older[s]) {
      if (keys[s] == key) {
        return s;
      }
    }
    return NIL;
  }

  private void evict(int slot) {
    drop(slot);
    evicted++;
  }

  private void drop(int slot) {
    ByteBuf buffer = buffers[slot];
    buffers[slot] = null;
    bytesInFlight -= buffer.capacity();
    free(slot);
    buffer.release();
  }

  private void free(int slot) {
    unlink(slot);
    keys[slot] = FREE;
    messagesInFlight--;
    freeSlots[freeTop++] = slot;
  }

  private void linkNewest(int slot) {
    older[slot] = tail;
    newer[slot] = NIL;
    if (tail != NIL) {
      newer[tail] = slot;
    } else {
      head = slot;
    }
    tail = slot;
  }

  private void unlink(int slot) {
    int o = older[slot];
    int n = newer[slot];
    if (o != NIL) {
      newer[o] = n;
    } else {
      head = n;
    }
    if (n != NIL) {
      older[n] = o;
    } else {
      tail = o;
    }
    older[slot] = NIL;
    newer[slot] = NIL;
  }
}
