package io.gamewire.protocol.realtime;

/**
 * The sender's record of recent packets: when each sequence went out and whether the peer has
 * acknowledged it. Acknowledgements arrive as ({@code ack}, {@code bitfield}) pairs in every
 * header; each packet is reported acknowledged exactly once however many headers repeat it, and a
 * packet that stays unacknowledged past a timeout is reported lost exactly once. Primitive arrays
 * indexed by {@code sequence & (length - 1)}: they start at {@value #INITIAL_SLOTS} slots (what an
 * idle connection's keepalives need) and double, up to the capacity, when a packet is sent while
 * its slot still holds an outstanding one; only at the capacity is that packet reported lost. Once
 * grown to what the traffic needs, nothing more is allocated.
 */
public final class SentPackets {
  /** Receives acknowledged and lost packets. */
  public interface Sink {
    void acked(int seq, long sentAtNanos);

    void lost(int seq, long sentAtNanos);
  }

  private static final int EMPTY = -1;

  /** Sequences a packet may arrive behind a later one before it counts as lost. */
  public static final int REORDER_THRESHOLD = 3;

  /** Slots tracked before the first growth. */
  static final int INITIAL_SLOTS = 64;

  private final int capacity;
  private int mask;
  private int[] seqs;
  private long[] sentAt;
  private int oldest = Sequence.NONE;
  private int newest = Sequence.NONE;
  private int outstanding;

  /** Tracks up to {@code capacity} packets in flight (a power of two, at least 64). */
  public SentPackets(int capacity) {
    if (capacity < 64 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two >= 64, was " + capacity);
    }
    this.capacity = capacity;
    int initial = Math.min(capacity, INITIAL_SLOTS);
    this.mask = initial - 1;
    this.seqs = new int[initial];
    this.sentAt = new long[initial];
    java.util.Arrays.fill(seqs, EMPTY);
  }

  /**
   * Records that {@code seq} (the next sequence after the previous one) was sent. If the window is
   * full, the oldest unacknowledged packet is reported lost to make room.
   */
  public void sent(int seq, long nowNanos, Sink sink) {
    int slot = seq & mask;
    if (seqs[slot] != EMPTY && seqs.length < capacity) {
      grow();
      slot = seq & mask;
    }
    if (seqs[slot] != EMPTY) {
      int old = seqs[slot];
      seqs[slot] = EMPTY;
      if (--outstanding == 0) {
        oldest = Sequence.NONE;
      }
      sink.lost(old, sentAt[slot]);
    }
    seqs[slot] = seq;
    sentAt[slot] = nowNanos;
    outstanding++;
    if (oldest == Sequence.NONE) {
      oldest = seq;
    }
    newest = seq;
  }

  /**
   * Doubles the arrays. Every outstanding sequence is within the old length of the newest (sending
   * a sequence frees or reuses the slot one length back), so each keeps a slot of its own.
   */
  private void grow() {
    int length = seqs.length << 1;
    int[] s = new int[length];
    long[] t = new long[length];
    java.util.Arrays.fill(s, EMPTY);
    for (int i = 0; i < seqs.length; i++) {
      if (seqs[i] != EMPTY) {
        int slot = seqs[i] & (length - 1);
        s[slot] = seqs[i];
        t[slot] = sentAt[i];
      }
    }
    seqs = s;
    sentAt = t;
    mask = length - 1;
  }

  /** Slots in use now: grows from {@value #INITIAL_SLOTS} up to the capacity. */
  int slots() {
    return seqs.length;
  }

  /**
   * Applies a header's acknowledgements. Returns how many packets were newly acknowledged. An ack
   * for a sequence never sent (or newer than the newest sent) is ignored.
   */
  public int onAck(int ack, int bitfield, Sink sink) {
    if (ack == Sequence.NONE || newest == Sequence.NONE || Sequence.isNewer(ack, newest)) {
      return 0;
    }
    int n = 0;
    n += ackOne(ack, sink);
    int bits = bitfield;
    while (bits != 0) {
      int bit = 31 - Integer.numberOfLeadingZeros(bits); // highest set bit first: ack-1, ack-2...
      bits &= ~(1 << bit);
      int behind = AckWindow.BITS - bit;
      n += ackOne(Sequence.add(ack, -behind), sink);
    }
    declareSkippedLost(ack, sink);
    return n;
  }

  /**
   * Packets more than {@link #REORDER_THRESHOLD} sequences older than an acknowledged one, and not
   * acknowledged themselves, are lost (QUIC's packet threshold): waiting for the timeout would hold
   * their messages' outcomes for a whole second.
   */
  private void declareSkippedLost(int ack, Sink sink) {
    while (oldest != Sequence.NONE && outstanding > 0) {
      if (Sequence.distance(ack, oldest) <= REORDER_THRESHOLD || Sequence.isNewer(oldest, ack)) {
        return;
      }
      int slot = oldest & mask;
      if (seqs[slot] == oldest) {
        seqs[slot] = EMPTY;
        outstanding--;
        sink.lost(oldest, sentAt[slot]);
      }
      if (oldest == newest) {
        break;
      }
      oldest = Sequence.next(oldest);
    }
    if (outstanding == 0) {
      oldest = Sequence.NONE;
    }
  }

  private int ackOne(int seq, Sink sink) {
    int slot = seq & mask;
    if (seqs[slot] != seq) {
      return 0;
    }
    seqs[slot] = EMPTY;
    if (--outstanding == 0) {
      oldest = Sequence.NONE;
    }
    sink.acked(seq, sentAt[slot]);
    return 1;
  }

  /**
   * Reports every packet sent at or before {@code nowNanos - timeoutNanos} and not acked as lost.
   */
  public int expire(long nowNanos, long timeoutNanos, Sink sink) {
    int n = 0;
    while (oldest != Sequence.NONE && outstanding > 0) {
      int slot = oldest & mask;
      if (seqs[slot] == oldest) {
        if (nowNanos - sentAt[slot] < timeoutNanos) {
          break;
        }
        seqs[slot] = EMPTY;
        outstanding--;
        sink.lost(oldest, sentAt[slot]);
        n++;
      }
      if (oldest == newest) {
        break;
      }
      oldest = Sequence.next(oldest);
    }
    if (outstanding == 0) {
      oldest = Sequence.NONE;
    }
    return n;
  }

  /** When the oldest packet still outstanding was sent, or {@link Long#MAX_VALUE} if none is. */
  public long oldestOutstandingSentAtNanos() {
    if (outstanding == 0 || oldest == Sequence.NONE) {
      return Long.MAX_VALUE;
    }
    for (int s = oldest; ; s = Sequence.next(s)) {
      int slot = s & mask;
      if (seqs[slot] == s) {
        return sentAt[slot];
      }
      if (s == newest) {
        return Long.MAX_VALUE;
      }
    }
  }

  /** Packets sent and neither acknowledged nor reported lost. */
  public int outstanding() {
    return outstanding;
  }
}
