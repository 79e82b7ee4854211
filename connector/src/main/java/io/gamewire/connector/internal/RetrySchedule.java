package io.gamewire.connector.internal;

/**
 * lan-caster's resend schedule for a request: {@value #TRIES} tries, the first wait {@value
 * #FIRST_WAIT_MILLIS} ms, each wait {@value #FACTOR} times the one before (about 2.6 s in all).
 */
public final class RetrySchedule {
  public static final int TRIES = 10;
  public static final long FIRST_WAIT_MILLIS = 100;
  public static final double FACTOR = 1.2;

  private RetrySchedule() {}

  /** How long to wait for a reply after try {@code n} (0-based). */
  public static long waitMillis(int n) {
    return Math.round(FIRST_WAIT_MILLIS * Math.pow(FACTOR, n));
  }
}
