package io.gamewire.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Ways to cut one byte stream into chunks, for checking that a stream decoder gives the same result
 * however its input arrives: whole, byte by byte, or in random pieces from a seed.
 */
public final class ChunkSplits {
  private ChunkSplits() {}

  /** The stream as a single chunk. */
  public static List<byte[]> whole(byte[] stream) {
    return List.of(stream.clone());
  }

  /** One chunk per byte. */
  public static List<byte[]> byteByByte(byte[] stream) {
    List<byte[]> chunks = new ArrayList<>(stream.length);
    for (byte b : stream) {
      chunks.add(new byte[] {b});
    }
    return chunks;
  }

  /** Random cuts (chunks of 1 to {@code maxChunk} bytes) from {@code seed}. */
  public static List<byte[]> random(byte[] stream, long seed, int maxChunk) {
    if (maxChunk < 1) {
      throw new IllegalArgumentException("maxChunk must be at least 1");
    }
    Random random = new Random(seed);
    List<byte[]> chunks = new ArrayList<>();
    int pos = 0;
    while (pos < stream.length) {
      int n = Math.min(stream.length - pos, 1 + random.nextInt(maxChunk));
      byte[] c = new byte[n];
      System.arraycopy(stream, pos, c, 0, n);
      chunks.add(c);
      pos += n;
    }
    return chunks;
  }
}
