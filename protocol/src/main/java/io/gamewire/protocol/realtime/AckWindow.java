package io.gamewire.protocol.realtime;

/**
 * What one side has received, as it goes into every outgoing header: the newest sequence ({@code
 * ack}) and a 32-bit field for the 32 before it, bit 31 for {@code ack-1} down to bit 0 for {@code
 * ack-32} (PyGaSe's layout, docs/PROTOCOL.md). Unlike PyGaSe, a jump forward keeps the previous
 * newest packet as received, all 32 bits are used, and a duplicate is recognised and reported
 * rather than processed twice.
 */
public final class AckWindow {
  /** Bits in the field: how far behind the newest a packet can still be acknowledged. */
  public static final int BITS = 32;

  private int ack = Sequence.NONE;
  private int bits;

  /**
   * Records a received sequence. Returns true if it is new (process the packet), false if it is a
   * duplicate or too old to tell (drop it).
   */
  public boolean record(int seq) {
    if (!Sequence.isLive(seq)) {
      return false;
    }
    if (ack == Sequence.NONE) {
      ack = seq;
      bits = 0;
      return true;
    }
    if (Sequence.isNewer(seq, ack)) {
      int d = Sequence.distance(seq, ack);
      bits = d > BITS ? 0 : (d == BITS ? 0 : bits >>> d) | (1 << (BITS - d));
      ack = seq;
      return true;
    }
    int behind = Sequence.distance(ack, seq);
    if (behind == 0 || behind > BITS) {
      return false;
    }
    int mask = 1 << (BITS - behind);
    if ((bits & mask) != 0) {
      return false;
    }
    bits |= mask;
    return true;
  }

  /** The newest sequence received, or NONE. */
  public int ack() {
    return ack;
  }

  /** The field for the 32 sequences before {@link #ack()}. */
  public int bitfield() {
    return bits;
  }

  /** Whether {@code seq} is recorded as received. */
  public boolean contains(int seq) {
    return contains(ack, bits, seq);
  }

  /** Whether the pair ({@code ack}, {@code bitfield}) says {@code seq} was received. */
  public static boolean contains(int ack, int bitfield, int seq) {
    if (ack == Sequence.NONE || !Sequence.isLive(seq)) {
      return false;
    }
    if (seq == ack) {
      return true;
    }
    int behind = Sequence.distance(ack, seq);
    return behind >= 1 && behind <= BITS && (bitfield & (1 << (BITS - behind))) != 0;
  }

  /** Forgets everything (a new connection). */
  public void reset() {
    ack = Sequence.NONE;
    bits = 0;
  }
}
