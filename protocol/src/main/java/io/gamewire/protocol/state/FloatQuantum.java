package io.gamewire.protocol.state;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

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

  /**
   * Multiples within ±2^17 of a quantum (±1310.72 at 0.01) are boxed once per process and shared:
   * every decoder of that quantum returns the same {@code Double} for the same multiple, so that a
   * process holding many copies of a state (a thousand clients in a benchmark, or versions of one
   * state) holds each coordinate once, and decoding allocates no box for it.
   */
  static final int BOX_RANGE = 1 << 17;

  private static final int CHUNK_BITS = 12;
  private static final int CHUNK_MASK = (1 << CHUNK_BITS) - 1;

  /** At most this many quanta get shared boxes; a process rarely uses more than one. */
  private static final int MAX_SHARED_QUANTA = 4;

  private static final ConcurrentHashMap<Double, AtomicReferenceArray<Double[]>> SHARED =
      new ConcurrentHashMap<>();

  private final double quantum;
  private final double inverse;
  // Chunks of boxes made as they are first needed; a Double is immutable, so a box published by a
  // racing write is seen whole or not at all (then made again, equal).
  private final AtomicReferenceArray<Double[]> boxes;

  FloatQuantum(double quantum) {
    this.quantum = quantum;
    double r = quantum > 0 ? 1 / quantum : 0;
    this.inverse = r >= 1 && Math.abs(r - Math.rint(r)) < 1e-9 * r ? Math.rint(r) : 0;
    this.boxes = quantum > 0 ? sharedBoxes(quantum) : null;
  }

  private static AtomicReferenceArray<Double[]> sharedBoxes(double quantum) {
    AtomicReferenceArray<Double[]> b = SHARED.get(quantum);
    if (b != null || SHARED.size() >= MAX_SHARED_QUANTA) {
      return b;
    }
    return SHARED.computeIfAbsent(
        quantum, q -> new AtomicReferenceArray<>((2 * BOX_RANGE) >>> CHUNK_BITS));
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

  /**
   * {@link #value} boxed: the process's shared box when {@code n} is within ±{@link #BOX_RANGE}.
   */
  Double boxed(long n) {
    if (boxes == null || n < -BOX_RANGE || n >= BOX_RANGE) {
      return value(n);
    }
    int i = (int) n + BOX_RANGE;
    Double[] chunk = boxes.get(i >>> CHUNK_BITS);
    if (chunk == null) {
      boxes.compareAndSet(i >>> CHUNK_BITS, null, new Double[1 << CHUNK_BITS]);
      chunk = boxes.get(i >>> CHUNK_BITS);
    }
    Double d = chunk[i & CHUNK_MASK];
    if (d == null) {
      d = value(n);
      chunk[i & CHUNK_MASK] = d;
    }
    return d;
  }

  /** {@code x} rounded to the quantum, or {@code x} itself when it is not quantized. */
  double round(double x) {
    long n = index(x);
    return n == NONE ? x : value(n);
  }
}
