package io.gamewire.protocol.state;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;

/**
 * Reads what {@link BitWriter} wrote. Every read checks the bits left first, so a truncated or
 * hostile input fails with {@link MalformedMessageException} after at most its own length in work.
 */
final class BitReader {
  /**
   * Inputs up to this size are read through a buffer the reader keeps; larger ones get their own.
   */
  private static final int KEPT_BUFFER_BYTES = 16 * 1024;

  private byte[] kept = new byte[0];
  private byte[] buf;
  private int pos;
  private int end;
  private long acc;
  private int accBits;

  /**
   * Starts reading every readable byte of {@code in}, which it consumes: they are copied once into
   * an array, so that the bit reads that follow cost no buffer checks.
   */
  BitReader reset(ByteBuf in) {
    int n = in.readableBytes();
    if (n <= KEPT_BUFFER_BYTES) {
      if (kept.length < n) {
        kept = new byte[Math.min(KEPT_BUFFER_BYTES, Math.max(n, 2 * kept.length))];
      }
      buf = kept;
    } else {
      buf = new byte[n];
    }
    in.readBytes(buf, 0, n);
    this.pos = 0;
    this.end = n;
    this.acc = 0;
    this.accBits = 0;
    return this;
  }

  /** Starts reading all of {@code in} in place; the caller leaves it unchanged meanwhile. */
  BitReader reset(byte[] in) {
    this.buf = in;
    this.pos = 0;
    this.end = in.length;
    this.acc = 0;
    this.accBits = 0;
    return this;
  }

  /** Bits not yet read. */
  long remaining() {
    return ((long) (end - pos) << 3) + accBits;
  }

  /** Reads {@code n} bits, {@code 0 <= n <= 64}, as the low bits of the result. */
  long bits(int n) throws MalformedMessageException {
    if (n > 56) {
      long high = bits(n - 32);
      return (high << 32) | bits(32);
    }
    if (n == 0) {
      return 0;
    }
    while (accBits < n) {
      if (pos == end) {
        throw truncated(n);
      }
      acc = (acc << 8) | (buf[pos++] & 0xFF);
      accBits += 8;
    }
    accBits -= n;
    return (acc >>> accBits) & (-1L >>> (64 - n));
  }

  /** One bit; the decoder's most frequent read (presence flags, unary length prefixes). */
  boolean bit() throws MalformedMessageException {
    if (accBits == 0) {
      if (pos == end) {
        throw truncated(1);
      }
      acc = buf[pos++] & 0xFF; // the bits already read need not stay
      accBits = 8;
    }
    accBits--;
    return ((acc >>> accBits) & 1) != 0;
  }

  private MalformedMessageException truncated(int n) {
    return new MalformedMessageException(
        "state delta truncated: needs " + n + " more bits, has " + remaining());
  }

  /** Reads {@link BitWriter#varint}{@code (v, k)}; at most {@code 128} bits. */
  long varint(int k) throws MalformedMessageException {
    int max = 64 - k;
    int len = 0;
    while (len < max && bit()) {
      len++;
    }
    if (len == 0) {
      return bits(k);
    }
    long h = (1L << (len - 1)) | bits(len - 1);
    return (h << k) | bits(k);
  }

  /**
   * Reads a {@link #varint} that counts or measures something, rejecting any value of 2^31 or more
   * (which a signed comparison would mistake for a negative number).
   */
  int count(int k) throws MalformedMessageException {
    long v = varint(k);
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new MalformedMessageException(
          "state delta count " + Long.toUnsignedString(v) + " is out of range");
    }
    return (int) v;
  }

  long signed(int k) throws MalformedMessageException {
    return BitWriter.unzigzag(varint(k));
  }

  /** Fails unless only zero padding (fewer than 8 bits) is left. */
  void expectEnd() throws MalformedMessageException {
    if (pos < end || accBits >= 8) {
      throw new MalformedMessageException("state delta has " + remaining() + " bits after its end");
    }
    if ((acc & ((1L << accBits) - 1)) != 0) {
      throw new MalformedMessageException("state delta padding bits are not zero");
    }
  }
}
