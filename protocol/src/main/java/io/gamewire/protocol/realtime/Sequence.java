package io.gamewire.protocol.realtime;

/**
 * 16-bit packet sequence numbers as PyGaSe defines them (docs/PROTOCOL.md): 0 means "none", the
 * numbers run 1, 2, ... 65535 and then wrap to 1, so the live values form a ring of 65535. A number
 * is newer than another when it lies less than half the ring ahead of it.
 */
public final class Sequence {
  /** The "nothing yet" value. */
  public static final int NONE = 0;

  /** The largest sequence number. */
  public static final int MAX = 0xffff;

  /** How many live values the ring holds (0 is not one of them). */
  public static final int RING = MAX;

  private Sequence() {}

  /** The number after {@code s}: 65535 wraps to 1, and the successor of NONE is 1. */
  public static int next(int s) {
    return s >= MAX ? 1 : s + 1;
  }

  /** {@code s} moved forward by {@code n} steps (n may be negative), skipping 0. */
  public static int add(int s, int n) {
    if (s == NONE) {
      throw new IllegalArgumentException("cannot move from NONE");
    }
    int zeroBased = Math.floorMod(s - 1 + n, RING);
    return zeroBased + 1;
  }

  /**
   * Steps from {@code b} forward to {@code a} on the ring, in 0..65534. Both must be live numbers
   * (not NONE).
   */
  public static int distance(int a, int b) {
    return Math.floorMod(a - b, RING);
  }

  /**
   * Whether {@code a} is newer than {@code b}: less than half the ring ahead. Every live number is
   * newer than NONE; NONE is newer than nothing.
   */
  public static boolean isNewer(int a, int b) {
    if (a == NONE) {
      return false;
    }
    if (b == NONE) {
      return true;
    }
    int d = distance(a, b);
    return d != 0 && d <= RING / 2;
  }

  /** Whether {@code s} is a live sequence number (1..65535). */
  public static boolean isLive(int s) {
    return s >= 1 && s <= MAX;
  }
}
