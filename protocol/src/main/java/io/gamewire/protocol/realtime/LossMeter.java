package io.gamewire.protocol.realtime;

/**
 * Packet loss over a sliding window of the most recent packet outcomes: {@code lost / (acked +
 * lost)} counted exactly over the last {@code window} packets that were reported acknowledged or
 * lost (fewer until that many have been reported). A window of packets rather than of time keeps
 * the figure meaningful at any send rate; the default 256 packets is about 6 s at 40 Hz. One bit
 * per outcome in a fixed ring; nothing is allocated after construction.
 */
public final class LossMeter {
  /** Default window: the last 256 outcomes. */
  public static final int DEFAULT_WINDOW_PACKETS = 256;

  private final long[] bits;
  private final int mask;
  private int next;
  private int filled;
  private int lostInWindow;
  private long totalAcked;
  private long totalLost;

  public LossMeter() {
    this(DEFAULT_WINDOW_PACKETS);
  }

  /** A meter over the last {@code windowPackets} outcomes (a power of two, at least 64). */
  public LossMeter(int windowPackets) {
    if (windowPackets < 64 || Integer.bitCount(windowPackets) != 1) {
      throw new IllegalArgumentException(
          "windowPackets must be a power of two >= 64, was " + windowPackets);
    }
    this.bits = new long[windowPackets / 64];
    this.mask = windowPackets - 1;
  }

  /** Records one packet acknowledged. */
  public void onAcked() {
    totalAcked++;
    record(false);
  }

  /** Records one packet lost. */
  public void onLost() {
    totalLost++;
    record(true);
  }

  private void record(boolean lost) {
    int word = next >>> 6;
    long bit = 1L << (next & 63);
    if (filled > mask) {
      if ((bits[word] & bit) != 0) {
        lostInWindow--;
      }
    } else {
      filled++;
    }
    if (lost) {
      bits[word] |= bit;
      lostInWindow++;
    } else {
      bits[word] &= ~bit;
    }
    next = (next + 1) & mask;
  }

  /** Lost share of the packets in the window, 0 when nothing has been reported yet. */
  public double lossFraction() {
    return filled == 0 ? 0.0 : (double) lostInWindow / filled;
  }

  /** How many outcomes the window currently holds. */
  public int windowCount() {
    return filled;
  }

  /** Packets reported acknowledged over the whole connection. */
  public long totalAcked() {
    return totalAcked;
  }

  /** Packets reported lost over the whole connection. */
  public long totalLost() {
    return totalLost;
  }
}
