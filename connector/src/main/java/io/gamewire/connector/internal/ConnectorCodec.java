package io.gamewire.connector.internal;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Encodes and decodes connector datagrams: {@code zlib(MessagePack(map))} (docs/CONNECTOR.md).
 *
 * <p>Decoding trusts nothing: the datagram is at most {@link #MAX_DATAGRAM_BYTES}, inflation stops
 * at the codec's cap into a buffer allocated once, the MessagePack reader has tight limits, and the
 * map must pass {@link MessageSchema#validate}. Every failure is an {@link
 * InvalidMessageException}. Encoding writes {@code type}, the fields in schema order, {@code
 * msgID}, {@code replyData}, and deflates at zlib's default level, as Python's {@code
 * zlib.compress} does.
 *
 * <p>Single-threaded; {@link #close} releases the native zlib state.
 */
public final class ConnectorCodec implements AutoCloseable {

  /** Largest datagram accepted for decoding. */
  public static final int MAX_DATAGRAM_BYTES = 1500;

  /** Default cap on the inflated MessagePack: a full serverList page fits. */
  public static final int DEFAULT_MAX_INFLATED_BYTES = 16 * 1024;

  /** Tight caps: the biggest legal message has 10 fields, strings under 1500 bytes, depth 3. */
  static final MsgpackLimits LIMITS = new MsgpackLimits(1500, 1500, 64, 16, 4);

  private final int maxInflatedBytes;
  private final byte[] inflated;
  private final Inflater inflater = new Inflater();
  private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
  private final MsgpackReader reader = new MsgpackReader(LIMITS);
  private final MsgpackWriter writer = new MsgpackWriter();
  private final ByteBuf packed = Unpooled.buffer(512);
  private byte[] deflated = new byte[512];

  public ConnectorCodec() {
    this(DEFAULT_MAX_INFLATED_BYTES);
  }

  public ConnectorCodec(int maxInflatedBytes) {
    if (maxInflatedBytes < 64) {
      throw new IllegalArgumentException("maxInflatedBytes must be at least 64");
    }
    this.maxInflatedBytes = maxInflatedBytes;
    this.inflated = new byte[maxInflatedBytes + 1];
  }

  /**
   * Whether a datagram starts like a zlib stream (CMF 0x78: deflate, 32 KiB window; header check
   * valid). lan-caster's datagrams always do; Gamewire's realtime packets never start with 0x78.
   */
  public static boolean looksLikeZlib(ByteBuf datagram) {
    if (datagram.readableBytes() < 2) {
      return false;
    }
    int cmf = datagram.getUnsignedByte(datagram.readerIndex());
    int flg = datagram.getUnsignedByte(datagram.readerIndex() + 1);
    return cmf == 0x78 && ((cmf << 8) | flg) % 31 == 0;
  }

  public ConnectorMessage decode(ByteBuf datagram) throws InvalidMessageException {
    int length = datagram.readableBytes();
    if (length > MAX_DATAGRAM_BYTES) {
      throw new InvalidMessageException("datagram of " + length + " bytes is too large");
    }
    byte[] bytes = new byte[length];
    datagram.getBytes(datagram.readerIndex(), bytes);
    return decode(bytes, 0, length);
  }

  public ConnectorMessage decode(byte[] datagram, int offset, int length)
      throws InvalidMessageException {
    if (length > MAX_DATAGRAM_BYTES) {
      throw new InvalidMessageException("datagram of " + length + " bytes is too large");
    }
    int size = inflate(datagram, offset, length);
    Object value;
    try {
      reader.reset(inflated, 0, size);
      value = reader.readValue();
      reader.expectEnd();
    } catch (MalformedMessageException e) {
      throw new InvalidMessageException("bad MessagePack: " + e.getMessage());
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new InvalidMessageException("the message is not a map");
    }
    return MessageSchema.validate(map);
  }

  private int inflate(byte[] datagram, int offset, int length) throws InvalidMessageException {
    if (length < 2 || (datagram[offset] & 0xff) != 0x78) {
      throw new InvalidMessageException("not a zlib stream");
    }
    inflater.reset();
    inflater.setInput(datagram, offset, length);
    int size = 0;
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(inflated, size, inflated.length - size);
        size += n;
        if (size > maxInflatedBytes) {
          throw new InvalidMessageException(
              "inflates beyond the cap of " + maxInflatedBytes + " bytes");
        }
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new InvalidMessageException("truncated zlib stream");
        }
      }
    } catch (DataFormatException e) {
      throw new InvalidMessageException("bad zlib stream: " + e.getMessage());
    }
    if (inflater.getRemaining() != 0) {
      throw new InvalidMessageException(inflater.getRemaining() + " bytes after the zlib stream");
    }
    return size;
  }

  /**
   * Encodes a message this side built; a field outside the schema is the caller's mistake and fails
   * fast.
   */
  public byte[] encode(ConnectorMessage message) {
    List<MessageSchema.Field> fields = MessageSchema.fieldsOf(message.type());
    if (fields == null) {
      throw new IllegalArgumentException("unknown connector message type '" + message.type() + "'");
    }
    int count = 1 + message.fields().size();
    if (message.msgId() != null) {
      count++;
    }
    if (message.hasReplyData()) {
      count++;
    }
    packed.clear();
    writer.reset(packed).writeMapHeader(count).writeString("type").writeString(message.type());
    int written = 0;
    for (MessageSchema.Field f : fields) {
      Object value = message.get(f.name());
      if (value == null) {
        if (!f.optional()) {
          throw new IllegalArgumentException(message.type() + " needs field '" + f.name() + "'");
        }
        continue;
      }
      try {
        MessageSchema.check(message.type(), f, value);
      } catch (InvalidMessageException e) {
        throw new IllegalArgumentException("cannot encode: " + e.getMessage());
      }
      writer.writeString(f.name()).writeValue(value);
      written++;
    }
    if (written != message.fields().size()) {
      throw new IllegalArgumentException(
          message.type() + " has fields outside its schema: " + message.fields().keySet());
    }
    if (message.msgId() != null) {
      writer.writeString(MessageSchema.MSG_ID).writeLong(message.msgId());
    }
    if (message.hasReplyData()) {
      writer.writeString(MessageSchema.REPLY_DATA).writeValue(message.replyData());
    }
    writer.flush();
    return deflate(packed);
  }

  private byte[] deflate(ByteBuf in) {
    deflater.reset();
    deflater.setInput(in.array(), in.arrayOffset() + in.readerIndex(), in.readableBytes());
    deflater.finish();
    int size = 0;
    while (!deflater.finished()) {
      if (size == deflated.length) {
        deflated = Arrays.copyOf(deflated, deflated.length * 2);
      }
      size += deflater.deflate(deflated, size, deflated.length - size);
    }
    return Arrays.copyOf(deflated, size);
  }

  @Override
  public void close() {
    inflater.end();
    deflater.end();
  }
}
