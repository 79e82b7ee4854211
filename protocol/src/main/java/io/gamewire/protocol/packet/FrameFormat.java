package io.gamewire.protocol.packet;

/**
 * The frame layout of peng3dnet protocol 2 (docs/PACKET-PROTOCOL.md): {@code u32 length | u32
 * packetId | u16 flags | body}, big-endian, where {@code length} counts everything after itself.
 */
public final class FrameFormat {
  /** Bytes of the length prefix. */
  public static final int LENGTH_FIELD_BYTES = 4;

  /** Bytes of packet id and flags, counted by the length prefix. */
  public static final int HEADER_BYTES = 6;

  /** Length prefix plus header. */
  public static final int PREFIX_AND_HEADER_BYTES = LENGTH_FIELD_BYTES + HEADER_BYTES;

  /** Flag: the body is zlib-compressed. */
  public static final int FLAG_COMPRESSED = 1;

  /** Flag: the body is AES-encrypted; never implemented by peng3dnet, rejected here. */
  public static final int FLAG_ENCRYPTED_AES = 2;

  /** Default maximum value of the length prefix. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;

  /** Default compression threshold: bodies strictly longer than this are compressed. */
  public static final int DEFAULT_COMPRESSION_THRESHOLD_BYTES = 8192;

  /** peng3dnet's zlib level. */
  public static final int DEFAULT_COMPRESSION_LEVEL = 6;

  private FrameFormat() {}
}
