package io.gamewire.testkit;

import java.time.Duration;

/**
 * A clock for sans-I/O tests: time stands still until the test moves it, so every timer fires
 * exactly when the test says and no test sleeps.
 */
public final class FakeClock {
  private long nanos;

  public FakeClock() {
    this(1_000_000_000L);
  }

  public FakeClock(long startNanos) {
    this.nanos = startNanos;
  }

  public long nanos() {
    return nanos;
  }

  public long advance(Duration d) {
    return advanceNanos(d.toNanos());
  }

  public long advanceMillis(long millis) {
    return advanceNanos(millis * 1_000_000L);
  }

  public long advanceNanos(long delta) {
    if (delta < 0) {
      throw new IllegalArgumentException("time does not run backwards");
    }
    nanos += delta;
    return nanos;
  }

  /** Jumps to {@code deadline} if it is in the future. */
  public long advanceTo(long deadlineNanos) {
    if (deadlineNanos > nanos) {
      nanos = deadlineNanos;
    }
    return nanos;
  }
}
