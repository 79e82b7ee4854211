package io.gamewire.protocol.state;

import io.netty.buffer.ByteBuf;

/**
 * Writes bits most-significant first into a {@link ByteBuf}, with the variable-length integer code
 * of docs/STATE-SYNC.md. Whole bytes go to the buffer at once; fewer than 8 bits wait in an
 * accumulator until {@link #finish} pads them with zeros. {@link #mark} and {@link #rewind} let the
 * encoder take back an entry that turned out to change nothing.
 */
final class BitWriter {
  private ByteBuf out;
  private long acc;
  private int accBits;

  BitWriter reset(ByteBuf out) {
    this.out = out;
    this.acc = 0;
    this.accBits = 0;
    return this;
  }

  /** Writes the low {@code n} bits of {@code value}, {@code 0 <= n <= 64}. */
  void bits(long value, int n) {
    if (n > 56) {
      bits(value >>> 32, n - 32);
      n = 32;
    }
    if (n == 0) {
      return;
    }
    acc = (acc << n) | (value & (-1L >>> (64 - n)));
    accBits += n;
    while (accBits >= 8) {
      accBits -= 8;
      out.writeByte((int) (acc >>> accBits));
    }
  }

  void bit(boolean one) {
    bits(one ? 1 : 0, 1);
  }

  /**
   * The unsigned value {@code v} in the code of order {@code k}: with {@code h = v >>> k} of bit
   * length {@code L}, {@code L} ones, a zero (left out when {@code L == 64 - k}), the {@code L - 1}
   * bits of {@code h} below its leading one, then the low {@code k} bits of {@code v}.
   */
  void varint(long v, int k) {
    long h = v >>> k;
    int len = 64 - Long.numberOfLeadingZeros(h);
    int ones = len;
    while (ones > 32) {
      bits(0xFFFF_FFFFL, 32);
      ones -= 32;
    }
    if (len < 64 - k) {
      bits(((1L << ones) - 1) << 1, ones + 1);
    } else {
      bits((1L << ones) - 1, ones);
    }
    if (len > 1) {
      bits(h, len - 1);
    }
    bits(v, k);
  }

  /** {@link #varint} of a signed value, zigzag-mapped so small magnitudes stay short. */
  void signed(long v, int k) {
    varint(zigzag(v), k);
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long z) {
    return (z >>> 1) ^ -(z & 1);
  }

  /** How many bits {@link #varint}{@code (v, k)} writes. */
  static int varintBits(long v, int k) {
    int len = 64 - Long.numberOfLeadingZeros(v >>> k);
    if (len == 0) {
      return 1 + k;
    }
    return len + (len < 64 - k ? 1 : 0) + len - 1 + k;
  }

  /** The position in bits since the buffer's start. */
  long mark() {
    return ((long) out.writerIndex() << 3) + accBits;
  }

  /** Takes back everything written after {@code mark}. */
  void rewind(long mark) {
    int byteIndex = (int) (mark >>> 3);
    int rest = (int) (mark & 7);
    if (byteIndex == out.writerIndex()) {
      acc >>>= accBits - rest;
    } else {
      acc = rest == 0 ? 0 : (out.getByte(byteIndex) & 0xFF) >>> (8 - rest);
      out.writerIndex(byteIndex);
    }
    accBits = rest;
  }

  /** Pads the last byte with zero bits and writes it. */
  void finish() {
    if (accBits > 0) {
      out.writeByte((int) (acc << (8 - accBits)));
      accBits = 0;
    }
    acc = 0;
    out = null;
  }
}
