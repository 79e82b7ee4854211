package io.gamewire.transport.internal;

import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Checks a caller's realtime sends and disconnects on the caller's thread, where a mistake can
 * still be thrown to the code that made it, and copies messages for the hand-off to the event loop.
 */
public final class RealtimeArguments {
  private RealtimeArguments() {}

  /** Throws if {@code channel} is not configured or {@code bytes} exceeds the maximum message. */
  public static void checkMessage(RealtimeConfig config, int channel, int bytes) {
    if (!config.channels().containsKey(channel)) {
      throw new IllegalArgumentException(
          "channel " + channel + " is not configured; configured: " + config.channels().keySet());
    }
    if (bytes > config.maxMessageBytes()) {
      throw new IllegalArgumentException(
          "message of "
              + bytes
              + " bytes exceeds maxMessageBytes "
              + config.maxMessageBytes()
              + ": split it or raise the limit in RealtimeConfig");
    }
  }

  /** Throws if the code is outside 0..65535 or the text is longer than the wire allows. */
  public static String checkDisconnect(int code, String text) {
    if (code < 0 || code > 0xffff) {
      throw new IllegalArgumentException("disconnect code must be 0..65535, was " + code);
    }
    String t = text == null ? "" : text;
    if (t.getBytes(StandardCharsets.UTF_8).length > RealtimeConnection.MAX_DISCONNECT_TEXT_BYTES) {
      throw new IllegalArgumentException(
          "disconnect text must be at most "
              + RealtimeConnection.MAX_DISCONNECT_TEXT_BYTES
              + " bytes of UTF-8");
    }
    return t;
  }

  /** A pooled copy of {@code bytes}, which the caller may reuse as soon as this returns. */
  public static ByteBuf copy(byte[] bytes) {
    Objects.requireNonNull(bytes, "message");
    return PooledByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
  }

  /** A pooled copy of {@code message}'s readable bytes; the caller keeps {@code message}. */
  public static ByteBuf copy(ByteBuf message) {
    Objects.requireNonNull(message, "message");
    int n = message.readableBytes();
    return PooledByteBufAllocator.DEFAULT.buffer(n).writeBytes(message, message.readerIndex(), n);
  }
}
