package io.gamewire.protocol.state;

/**
 * How {@link StateDeltaCodec} packs floats and how far its decoder trusts the wire. Sender and
 * receiver must use the same {@code floatQuantum} and {@code maxKeys}; the caps only bound the
 * decoder.
 *
 * @param floatQuantum the step floats are rounded to (e.g. 0.01), or 0 to send floats exactly
 * @param maxKeys how many string keys the key table holds; later keys travel inline
 * @param maxDepth how deep maps and lists may nest
 * @param maxNodes how many values one decode may create or copy
 * @param maxStringBytes the longest string or byte array, in bytes
 * @param maxOutputBytes the total string and byte-array bytes one decode may create
 */
public record StateCodecConfig(
    double floatQuantum,
    int maxKeys,
    int maxDepth,
    int maxNodes,
    int maxStringBytes,
    int maxOutputBytes) {

  /** Exact floats, 4096 keys, depth 32, 1M nodes, 64 KiB strings, 16 MiB output. */
  public static final StateCodecConfig EXACT =
      new StateCodecConfig(0, 4096, 32, 1 << 20, 64 << 10, 16 << 20);

  /** Floats rounded to 0.01 (the native profile's default), other limits as {@link #EXACT}. */
  public static final StateCodecConfig DEFAULT = EXACT.withFloatQuantum(0.01);

  public StateCodecConfig {
    if (!(floatQuantum >= 0) || Double.isInfinite(floatQuantum)) {
      throw new IllegalArgumentException(
          "floatQuantum must be 0 (exact floats) or a positive finite step such as 0.01, got "
              + floatQuantum);
    }
    if (floatQuantum > 0 && floatQuantum < 1e-9) {
      throw new IllegalArgumentException(
          "floatQuantum " + floatQuantum + " is below 1e-9; use 0 for exact floats instead");
    }
    positive("maxKeys", maxKeys);
    positive("maxDepth", maxDepth);
    positive("maxNodes", maxNodes);
    positive("maxStringBytes", maxStringBytes);
    positive("maxOutputBytes", maxOutputBytes);
    if (maxKeys > 1 << 20) {
      throw new IllegalArgumentException("maxKeys must be at most 2^20, got " + maxKeys);
    }
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  public StateCodecConfig withFloatQuantum(double quantum) {
    return new StateCodecConfig(
        quantum, maxKeys, maxDepth, maxNodes, maxStringBytes, maxOutputBytes);
  }

  public StateCodecConfig withLimits(
      int maxDepth, int maxNodes, int maxStringBytes, int maxOutputBytes) {
    return new StateCodecConfig(
        floatQuantum, maxKeys, maxDepth, maxNodes, maxStringBytes, maxOutputBytes);
  }

  public StateCodecConfig withMaxKeys(int keys) {
    return new StateCodecConfig(
        floatQuantum, keys, maxDepth, maxNodes, maxStringBytes, maxOutputBytes);
  }
}
