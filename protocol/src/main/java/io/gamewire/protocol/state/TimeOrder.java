package io.gamewire.protocol.state;

import io.gamewire.protocol.realtime.Sequence;

/**
 * The version number of a game state, PyGaSe's {@code time_order}: 16 bits, 0 means "no state", the
 * numbers run 1 … 65535 and wrap to 1, and comparison is wrap-aware over half the ring, exactly
 * like packet sequence numbers ({@link Sequence}).
 */
public final class TimeOrder {
  public static final int NONE = 0;

  private TimeOrder() {}

  /** The time order after {@code t} (65535 wraps to 1; after NONE comes 1). */
  public static int next(int t) {
    return Sequence.next(t);
  }

  /** Whether {@code a} is newer than {@code b}; every time order is newer than NONE. */
  public static boolean isNewer(int a, int b) {
    return Sequence.isNewer(a, b);
  }

  /** Steps from {@code older} forward to {@code newer}; both live. */
  public static int distance(int newer, int older) {
    return Sequence.distance(newer, older);
  }

  /** Whether {@code t} fits the wire (0..65535). */
  public static boolean isValid(long t) {
    return t >= 0 && t <= Sequence.MAX;
  }
}
