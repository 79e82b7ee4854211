package io.gamewire.protocol.pygase;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The constants of PyGaSe 0.3.1's datagram format (docs/PYGASE.md): the 12-byte header {@code
 * protocol id ff d0 fa b9 | u16 sequence | u16 ack | u32 ack bitfield}, the size limits, the
 * reserved update keys, the delete marker and the {@code shutdown} datagram.
 */
public final class PygaseWire {
  /** The first four bytes of every package. */
  public static final int PROTOCOL_ID = 0xffd0fab9;

  public static final int HEADER_BYTES = 12;

  /** Offsets in the header. */
  static final int SEQUENCE_AT = 4;

  static final int ACK_AT = 6;
  static final int BITFIELD_AT = 8;

  /** PyGaSe refuses to build a larger package, and reads datagrams into a buffer this size. */
  public static final int MAX_PACKAGE_BYTES = 2048;

  /** Events carried by one package at most. */
  public static final int MAX_EVENTS_PER_PACKAGE = 5;

  /** Bytes before the first event of a client package: header and time order. */
  public static final int CLIENT_PREFIX_BYTES = HEADER_BYTES + 2;

  /** The largest encoded event: one that fills a client package alone. */
  public static final int MAX_EVENT_BYTES = MAX_PACKAGE_BYTES - CLIENT_PREFIX_BYTES - 2;

  public static final String TIME_ORDER_KEY = "time_order";
  public static final String GAME_STATUS_KEY = "game_status";

  static final String TYPE_KEY = "type";
  static final String ARGS_KEY = "handler_args";
  static final String KWARGS_KEY = "handler_kwargs";

  /** The bin value PyGaSe uses for "delete this key" ({@code TO_DELETE}). */
  static final byte[] DELETE_MARKER = {(byte) 0xd2, (byte) 0x81, (byte) 0xe5, (byte) 0xba};

  /** The raw datagram with which the host client stops the server. */
  static final byte[] SHUTDOWN = "shutdown".getBytes(StandardCharsets.UTF_8);

  private PygaseWire() {}

  /** Whether the datagram starts with the PyGaSe protocol id. Does not move the reader index. */
  public static boolean isPygase(ByteBuf datagram) {
    return datagram.readableBytes() >= 4 && datagram.getInt(datagram.readerIndex()) == PROTOCOL_ID;
  }

  /** Whether the datagram is exactly the UTF-8 bytes {@code shutdown}. */
  public static boolean isShutdown(ByteBuf datagram) {
    int n = datagram.readableBytes();
    if (n != SHUTDOWN.length) {
      return false;
    }
    int at = datagram.readerIndex();
    for (int i = 0; i < n; i++) {
      if (datagram.getByte(at + i) != SHUTDOWN[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether a datagram belongs to the PyGaSe profile: a package or the shutdown request. */
  public static boolean claims(ByteBuf datagram) {
    return isPygase(datagram) || isShutdown(datagram);
  }

  /** A fresh copy of the shutdown datagram's bytes. */
  public static byte[] shutdownBytes() {
    return SHUTDOWN.clone();
  }
}
