package io.gamewire.protocol.state;

/**
 * Rounds floats to multiples of a quantum, the same way on sender and receiver: a float {@code x}
 * is sent as the integer {@code n = round(x / quantum)} and read back as {@code n * quantum}
 * (computed as {@code n / (1 / quantum)} when that reciprocal is an integer, so 0.01 gives 0.3, not
 * 0.30000000000000004). Values that are not finite or whose {@code |n|} reaches 2^48 are not
 * quantized and travel exactly.
 */
final class FloatQuantum {
  /** Returned by {@link #index} for a value that is not quantized. */
  static final long NONE = Long.MIN_VALUE;

  static final long LIMIT = 1L << 48;

  private final double quantum;
  private final double inverse;

  FloatQuantum(double quantum) {
    this.quantum = quantum;
    double r = quantum > 0 ? 1 / quantum : 0;
    this.inverse = r >= 1 && Math.abs(r - Math.rint(r)) < 1e-9 * r ? Math.rint(r) : 0;
  }

  boolean enabled() {
    return quantum > 0;
  }

  /** The multiple of the quantum nearest to {@code x}, or {@link #NONE}. */
  long index(double x) {
    if (quantum == 0 || !Double.isFinite(x)) {
      return NONE;
    }
    double v = inverse != 0 ? x * inverse : x / quantum;
    if (!(Math.abs(v) < LIMIT)) {
      return NONE;
    }
    long n = Math.round(v);
    // Strictly inside the limit, so that value(n) maps back to n on every receiver.
    return n > -LIMIT && n < LIMIT ? n : NONE;
  }

  /** The float for multiple {@code n}. */
  double value(long n) {
    return inverse != 0 ? n / inverse : n * quantum;
  }

  /** {@code x} rounded to the quantum, or {@code x} itself when it is not quantized. */
  double round(double x) {
    long n = index(x);
    return n == NONE ? x : value(n);
  }
}
