package io.gamewire.connector.internal;

/**
 * A token bucket on nanosecond time: {@code ratePerSecond} tokens a second, at most {@code burst}.
 */
final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private double tokens;
  private long lastNanos;

  TokenBucket(double ratePerSecond, double burst, long nowNanos) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /** Takes {@code n} tokens if there are that many. */
  boolean tryTake(long nowNanos, double n) {
    refill(nowNanos);
    if (tokens < n) {
      return false;
    }
    tokens -= n;
    return true;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * ratePerNano);
      lastNanos = nowNanos;
    }
  }
}
