package io.gamewire.transport.internal;

/** The checks both builders apply to their write-buffer settings. */
public final class WriteLimits {
  private WriteLimits() {}

  /** Water marks: {@code 0 <= low <= high}. */
  public static void checkWaterMarks(int low, int high) {
    if (low < 0 || high < low) {
      throw new IllegalArgumentException("need 0 <= low <= high, got " + low + ", " + high);
    }
  }

  /** A write budget of at least 1 KiB. */
  public static void checkWriteBudget(long bytes) {
    if (bytes < 1024) {
      throw new IllegalArgumentException("writeBudgetBytes must be at least 1024");
    }
  }
}
