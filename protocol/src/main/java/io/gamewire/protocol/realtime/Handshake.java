package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Byte layouts of the handshake packets (docs/PROTOCOL.md sections 2 and 3), written here once for
 * both endpoints. Offsets are relative to the end of the {@link RealtimeHeader}. Handshake packets
 * carry sequence 0, no acks and token 0, except ACCEPTED, whose header carries the new token.
 */
public final class Handshake {
  /**
   * The protocol version this library speaks. 2: the ack-delay flag and byte (docs/PROTOCOL.md
   * section 1), which a version-1 peer would drop as a reserved flag, and state sync's shorter
   * UPDATE header and delta-order field (docs/STATE-SYNC.md).
   */
  public static final int VERSION = 2;

  /** Longest connect token a request may carry. */
  public static final int MAX_CONNECT_TOKEN_BYTES = 1024;

  public static final int CHALLENGE_BYTES =
      RealtimeHeader.BYTES + 8 + 8 + ChallengeMinter.MAC_BYTES;
  public static final int ACCEPTED_BYTES = RealtimeHeader.BYTES + 8 + 2 + 2 + 2;
  public static final int DENIED_BYTES = RealtimeHeader.BYTES + 8 + 1;

  public static final int DENIED_SERVER_FULL = 1;
  public static final int DENIED_VERSION_MISMATCH = 2;
  public static final int DENIED_TOKEN_REFUSED = 3;
  public static final int DENIED_SHUTTING_DOWN = 4;

  // CONNECT_REQUEST: u8 version, u64 nonce, u16 token length, token, padding
  static final int REQUEST_VERSION = 0;
  static final int REQUEST_NONCE = 1;
  static final int REQUEST_TOKEN_LENGTH = 9;
  static final int REQUEST_FIXED_BYTES = RealtimeHeader.BYTES + 11;

  // CHALLENGE_RESPONSE: u8 version, u64 nonce, u64 timestamp, MAC, u16 token length, token, padding
  static final int RESPONSE_VERSION = 0;
  static final int RESPONSE_NONCE = 1;
  static final int RESPONSE_TIMESTAMP = 9;
  static final int RESPONSE_MAC = 17;
  static final int RESPONSE_TOKEN_LENGTH = 17 + ChallengeMinter.MAC_BYTES;
  static final int RESPONSE_FIXED_BYTES = RealtimeHeader.BYTES + RESPONSE_TOKEN_LENGTH + 2;

  private Handshake() {}

  static ByteBuf connectRequest(ByteBufAllocator alloc, int paddedBytes, long nonce) {
    ByteBuf b = alloc.buffer(paddedBytes, paddedBytes);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.CONNECT_REQUEST, 0, 0);
    b.writeByte(VERSION).writeLong(nonce).writeShort(0);
    return b.writeZero(paddedBytes - b.writerIndex());
  }

  static ByteBuf challenge(
      ByteBufAllocator alloc, long nonce, long timestampNanos, byte[] mac, int macOffset) {
    ByteBuf b = alloc.buffer(CHALLENGE_BYTES, CHALLENGE_BYTES);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.CHALLENGE, 0, 0);
    return b.writeLong(nonce)
        .writeLong(timestampNanos)
        .writeBytes(mac, macOffset, ChallengeMinter.MAC_BYTES);
  }

  static ByteBuf challengeResponse(
      ByteBufAllocator alloc, int paddedBytes, long nonce, long timestampNanos, byte[] mac) {
    ByteBuf b = alloc.buffer(paddedBytes, paddedBytes);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.CHALLENGE_RESPONSE, 0, 0);
    b.writeByte(VERSION)
        .writeLong(nonce)
        .writeLong(timestampNanos)
        .writeBytes(mac, 0, ChallengeMinter.MAC_BYTES)
        .writeShort(0);
    return b.writeZero(paddedBytes - b.writerIndex());
  }

  static ByteBuf accepted(
      ByteBufAllocator alloc,
      int token,
      long nonce,
      int maxDatagramBytes,
      int keepaliveMillis,
      int timeoutMillis) {
    ByteBuf b = alloc.buffer(ACCEPTED_BYTES, ACCEPTED_BYTES);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.ACCEPTED, 0, token);
    return b.writeLong(nonce)
        .writeShort(maxDatagramBytes)
        .writeShort(keepaliveMillis)
        .writeShort(timeoutMillis);
  }

  static ByteBuf denied(ByteBufAllocator alloc, long nonce, int reason) {
    ByteBuf b = alloc.buffer(DENIED_BYTES, DENIED_BYTES);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.DENIED, 0, 0);
    return b.writeLong(nonce).writeByte(reason);
  }

  /** Nanoseconds as whole milliseconds clamped to a u16 field. */
  static int millisU16(long nanos) {
    return (int) Math.min(0xffff, Math.max(1, nanos / 1_000_000L));
  }
}
