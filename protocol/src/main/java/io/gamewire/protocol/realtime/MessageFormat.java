package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;

/**
 * The message records inside a PAYLOAD datagram (docs/PROTOCOL.md section 4):
 *
 * <pre>
 * u8  channel          0..254
 * u8  flags            bits 0-1 delivery mode, bit 2 fragment, bits 3-7 zero
 * u16 message id       absent for a whole UNRELIABLE message
 * u16 fragment index   fragments only
 * u16 fragment count   fragments only
 * varint length        1 to 3 bytes, unsigned LEB128, at most 2^21 - 1
 * bytes
 * </pre>
 *
 * Writing appends to a buffer; reading is a cursor over a payload that has been checked whole by
 * {@link Cursor#validate} first, so a datagram is either processed entirely or dropped entirely.
 */
public final class MessageFormat {
  public static final int MAX_CHANNEL = 254;
  public static final int FLAG_FRAGMENT = 0x04;
  public static final int MAX_LENGTH = (1 << 21) - 1;

  private MessageFormat() {}

  /** Bytes a record takes besides its body. */
  public static int overhead(DeliveryMode mode, boolean fragment, int length) {
    int n = 2 + varintSize(length);
    if (mode.hasId() || fragment) {
      n += 2;
    }
    if (fragment) {
      n += 4;
    }
    return n;
  }

  /** Appends a record whose body is {@code length} bytes of {@code body} from {@code offset}. */
  public static void write(
      ByteBuf out,
      int channel,
      DeliveryMode mode,
      int messageId,
      boolean fragment,
      int fragmentIndex,
      int fragmentCount,
      ByteBuf body,
      int offset,
      int length) {
    if (channel < 0 || channel > MAX_CHANNEL) {
      throw new IllegalArgumentException("channel must be 0.." + MAX_CHANNEL + ", was " + channel);
    }
    if (length < 0 || length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "record length " + length + " is outside 0.." + MAX_LENGTH);
    }
    out.writeByte(channel);
    out.writeByte(mode.code() | (fragment ? FLAG_FRAGMENT : 0));
    if (mode.hasId() || fragment) {
      out.writeShort(messageId);
    }
    if (fragment) {
      out.writeShort(fragmentIndex);
      out.writeShort(fragmentCount);
    }
    writeVarint(out, length);
    out.writeBytes(body, offset, length);
  }

  static int varintSize(int v) {
    return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
  }

  static void writeVarint(ByteBuf out, int v) {
    while (v >= 0x80) {
      out.writeByte((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
  }

  /** A reusable reader over the records of one payload. Reads nothing outside the payload. */
  public static final class Cursor {
    private ByteBuf buf;
    private int pos;
    private int end;

    private int channel;
    private DeliveryMode mode;
    private boolean fragment;
    private int messageId;
    private int fragmentIndex;
    private int fragmentCount;
    private int bodyOffset;
    private int bodyLength;

    /**
     * Checks that the readable bytes of {@code payload} are a whole number of well-formed records
     * (at least one). Returns the number of records, or -1 if anything is wrong; reads only.
     */
    public int validate(ByteBuf payload) {
      reset(payload);
      int n = 0;
      while (pos < end) {
        if (!parse()) {
          return -1;
        }
        n++;
      }
      reset(payload);
      return n == 0 ? -1 : n;
    }

    /** Starts reading the readable bytes of {@code payload}. */
    public void reset(ByteBuf payload) {
      buf = payload;
      pos = payload.readerIndex();
      end = payload.writerIndex();
    }

    /**
     * Whether every byte was read: after {@link #next} returned false, true means the payload ended
     * cleanly and false that a record was malformed.
     */
    public boolean atEnd() {
      return pos == end;
    }

    /** Moves to the next record; false at the end (or on a malformed record). */
    public boolean next() {
      return pos < end && parse();
    }

    private boolean parse() {
      if (end - pos < 3) {
        return false;
      }
      channel = buf.getUnsignedByte(pos);
      int flags = buf.getUnsignedByte(pos + 1);
      if (channel > MAX_CHANNEL || (flags & ~(FLAG_FRAGMENT | 3)) != 0) {
        return false;
      }
      mode = DeliveryMode.fromCode(flags);
      fragment = (flags & FLAG_FRAGMENT) != 0;
      int p = pos + 2;
      if (mode.hasId() || fragment) {
        if (end - p < 2) {
          return false;
        }
        messageId = buf.getUnsignedShort(p);
        p += 2;
      } else {
        messageId = -1;
      }
      if (fragment) {
        if (end - p < 4) {
          return false;
        }
        fragmentIndex = buf.getUnsignedShort(p);
        fragmentCount = buf.getUnsignedShort(p + 2);
        p += 4;
        if (fragmentCount == 0 || fragmentIndex >= fragmentCount) {
          return false;
        }
      } else {
        fragmentIndex = 0;
        fragmentCount = 1;
      }
      int length = 0;
      for (int shift = 0; ; shift += 7) {
        if (p >= end || shift > 14) {
          return false;
        }
        int b = buf.getUnsignedByte(p++);
        length |= (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          if (b == 0 && shift > 0) {
            return false; // not the shortest form
          }
          break;
        }
      }
      if (length > end - p) {
        return false;
      }
      bodyOffset = p;
      bodyLength = length;
      pos = p + length;
      return true;
    }

    public int channel() {
      return channel;
    }

    public DeliveryMode mode() {
      return mode;
    }

    public boolean isFragment() {
      return fragment;
    }

    /** The message id, or -1 for a whole unreliable message. */
    public int messageId() {
      return messageId;
    }

    public int fragmentIndex() {
      return fragmentIndex;
    }

    public int fragmentCount() {
      return fragmentCount;
    }

    /** Where the body starts in the payload buffer. */
    public int bodyOffset() {
      return bodyOffset;
    }

    public int bodyLength() {
      return bodyLength;
    }

    /** The body as a slice of the payload (no copy; valid while the payload is). */
    public ByteBuf body() {
      return buf.slice(bodyOffset, bodyLength);
    }
  }
}
