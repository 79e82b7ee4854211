package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;

/**
 * The 17-byte header every native realtime datagram starts with (docs/PROTOCOL.md), read and
 * written in place as a flyweight over a {@link ByteBuf}: no object per datagram.
 *
 * <pre>
 *  0  u32 protocol id   0x47575254 ("GWRT")
 *  4  u16 sequence      0 = none; 1..65535, wrapping to 1
 *  6  u16 ack           newest sequence received from the peer
 *  8  u32 ack bitfield  bit 31 = ack-1 ... bit 0 = ack-32
 * 12  u8  kind | flags  low nibble: PacketKind; high nibble: flags (bit 7: encrypted, reserved)
 * 13  u32 token         the connection's token; 0 before the server has assigned one
 * 17  u8  ack delay     only with {@link #FLAG_ACK_DELAY} (PAYLOAD and KEEPALIVE): how long the
 *                       packet named by {@code ack} waited here for this ack, in units of
 *                       {@link #ACK_DELAY_UNIT_NANOS}, saturating at 255
 * </pre>
 */
public final class RealtimeHeader {
  public static final int PROTOCOL_ID = 0x47575254;
  public static final int BYTES = 17;

  static final int OFFSET_PROTOCOL_ID = 0;
  static final int OFFSET_SEQUENCE = 4;
  static final int OFFSET_ACK = 6;
  static final int OFFSET_ACK_BITS = 8;
  static final int OFFSET_KIND = 12;
  static final int OFFSET_TOKEN = 13;

  /** Flag bit (in the high nibble of the kind byte) reserved for the encryption layer. */
  public static final int FLAG_ENCRYPTED = 0x80;

  /**
   * Flag bit: an ack-delay byte follows the header (QUIC's ack_delay). Allowed on PAYLOAD and
   * KEEPALIVE only; the peer subtracts the delay from its RTT sample.
   */
  public static final int FLAG_ACK_DELAY = 0x10;

  /** Unit of the ack-delay byte: half a millisecond, so one byte spans 127.5 ms. */
  public static final long ACK_DELAY_UNIT_NANOS = 500_000L;

  /** The largest ack-delay byte. */
  public static final int MAX_ACK_DELAY_UNITS = 255;

  private RealtimeHeader() {}

  /** Appends a header. */
  public static void write(
      ByteBuf out, int sequence, int ack, int ackBits, PacketKind kind, int flags, int token) {
    out.writeInt(PROTOCOL_ID)
        .writeShort(sequence)
        .writeShort(ack)
        .writeInt(ackBits)
        .writeByte((flags & 0xf0) | kind.code())
        .writeInt(token);
  }

  /**
   * Appends a header with {@link #FLAG_ACK_DELAY} and its byte when {@code ackDelayUnits} is
   * positive, a plain header otherwise.
   */
  public static void writeWithAckDelay(
      ByteBuf out,
      int sequence,
      int ack,
      int ackBits,
      PacketKind kind,
      int token,
      int ackDelayUnits) {
    if (ackDelayUnits <= 0) {
      write(out, sequence, ack, ackBits, kind, 0, token);
    } else {
      write(out, sequence, ack, ackBits, kind, FLAG_ACK_DELAY, token);
      out.writeByte(Math.min(MAX_ACK_DELAY_UNITS, ackDelayUnits));
    }
  }

  /** Header bytes with the given flags: 18 with {@link #FLAG_ACK_DELAY}, else 17. */
  public static int bytes(int flags) {
    return (flags & FLAG_ACK_DELAY) != 0 ? BYTES + 1 : BYTES;
  }

  /** A delay in whole units, rounded down (a sample corrected by less is never too small). */
  public static int ackDelayUnits(long delayNanos) {
    return delayNanos <= 0
        ? 0
        : (int) Math.min(MAX_ACK_DELAY_UNITS, delayNanos / ACK_DELAY_UNIT_NANOS);
  }

  /**
   * Whether the flags of a datagram whose kind is {@code kind} are allowed: none, or {@link
   * #FLAG_ACK_DELAY} on PAYLOAD and KEEPALIVE when the datagram holds its byte.
   */
  public static boolean flagsValid(ByteBuf d, PacketKind kind) {
    int flags = flags(d);
    if (flags == 0) {
      return true;
    }
    return flags == FLAG_ACK_DELAY
        && (kind == PacketKind.PAYLOAD || kind == PacketKind.KEEPALIVE)
        && d.readableBytes() >= BYTES + 1;
  }

  /** The reported ack delay in nanoseconds; 0 without {@link #FLAG_ACK_DELAY}. */
  public static long ackDelayNanos(ByteBuf d) {
    return (flags(d) & FLAG_ACK_DELAY) == 0
        ? 0
        : d.getUnsignedByte(d.readerIndex() + BYTES) * ACK_DELAY_UNIT_NANOS;
  }

  /**
   * Whether {@code datagram} (from its reader index) is long enough and carries Gamewire's protocol
   * id: the first check on every datagram, before anything else is read.
   */
  public static boolean isRealtime(ByteBuf datagram) {
    return datagram.readableBytes() >= BYTES
        && datagram.getInt(datagram.readerIndex() + OFFSET_PROTOCOL_ID) == PROTOCOL_ID;
  }

  public static int sequence(ByteBuf d) {
    return d.getUnsignedShort(d.readerIndex() + OFFSET_SEQUENCE);
  }

  public static int ack(ByteBuf d) {
    return d.getUnsignedShort(d.readerIndex() + OFFSET_ACK);
  }

  public static int ackBits(ByteBuf d) {
    return d.getInt(d.readerIndex() + OFFSET_ACK_BITS);
  }

  /** The packet kind, or null for an unknown code. */
  public static PacketKind kind(ByteBuf d) {
    return PacketKind.fromCode(d.getUnsignedByte(d.readerIndex() + OFFSET_KIND) & 0x0f);
  }

  public static int flags(ByteBuf d) {
    return d.getUnsignedByte(d.readerIndex() + OFFSET_KIND) & 0xf0;
  }

  public static int token(ByteBuf d) {
    return d.getInt(d.readerIndex() + OFFSET_TOKEN);
  }
}
