package io.gamewire.protocol.msgpack;

/**
 * Hard caps a {@link MsgpackReader} applies to bytes from the wire. Every claimed length is checked
 * against these caps (and against the bytes actually present) before anything is allocated.
 *
 * @param maxStringBytes largest accepted string, in UTF-8 bytes
 * @param maxBinaryBytes largest accepted binary blob, in bytes
 * @param maxArrayLength most elements in one array
 * @param maxMapSize most key/value pairs in one map
 * @param maxDepth most arrays and maps nested inside each other; a top-level array is depth 1
 */
public record MsgpackLimits(
    int maxStringBytes, int maxBinaryBytes, int maxArrayLength, int maxMapSize, int maxDepth) {

  /** Generous caps for control messages: 1 MiB strings and blobs, 65536 elements, depth 32. */
  public static final MsgpackLimits DEFAULT =
      new MsgpackLimits(1 << 20, 1 << 20, 1 << 16, 1 << 16, 32);

  public MsgpackLimits {
    requirePositive("maxStringBytes", maxStringBytes);
    requirePositive("maxBinaryBytes", maxBinaryBytes);
    requirePositive("maxArrayLength", maxArrayLength);
    requirePositive("maxMapSize", maxMapSize);
    requirePositive("maxDepth", maxDepth);
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
  }
}
