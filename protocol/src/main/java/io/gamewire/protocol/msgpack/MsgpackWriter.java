package io.gamewire.protocol.msgpack;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferOutput;

/**
 * Reusable, single-threaded writer that appends MessagePack to a Netty {@link ByteBuf}.
 *
 * <p>One {@link MessagePacker} and one staging buffer live as long as the writer; {@link
 * #reset(ByteBuf)} only retargets them, so encoding a message allocates nothing for the packing
 * machinery. Bytes are staged and reach the {@code ByteBuf} when the staging buffer fills or on
 * {@link #flush()}; call {@code flush()} once after each complete value.
 *
 * <p>Arguments are the caller's responsibility: an unsupported type, a cycle or a {@code null}
 * where a value is required fails fast with an exception saying what to fix.
 */
public final class MsgpackWriter {

  /** Deeper than any real message; reaching it almost always means a cyclic list, map or record. */
  static final int MAX_WRITE_NESTING = 512;

  private static final int STAGING_BYTES = 8 * 1024;

  /**
   * Strings up to this many chars are encoded to UTF-8 here, into a reused array. msgpack-core
   * encodes short strings with {@code String.getBytes}, one new array per string.
   */
  static final int REUSED_UTF8_MAX_CHARS = 512;

  private final FloatFormat floats;
  private final ByteBufOutput output = new ByteBufOutput();
  private final MessagePacker packer;
  private int nesting;
  private byte[] utf8 = new byte[0];

  /** A writer that encodes floating-point numbers as float64. */
  public MsgpackWriter() {
    this(FloatFormat.FLOAT64);
  }

  /** A writer that encodes floating-point numbers in the given format. */
  public MsgpackWriter(FloatFormat floats) {
    this.floats = Objects.requireNonNull(floats, "floats");
    this.packer = MessagePack.DEFAULT_PACKER_CONFIG.withBufferSize(STAGING_BYTES).newPacker(output);
  }

  /**
   * Directs later writes to {@code out}, appending at its writer index. Anything written but not
   * flushed since the last reset is discarded rather than pushed into the previous buffer, which
   * its owner may already have released.
   */
  public MsgpackWriter reset(ByteBuf out) {
    Objects.requireNonNull(out, "out");
    packer.clear();
    output.target = out;
    nesting = 0;
    return this;
  }

  public MsgpackWriter writeNil() {
    try {
      packer().packNil();
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  public MsgpackWriter writeBoolean(boolean value) {
    try {
      packer().packBoolean(value);
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /** Writes {@code value} in the smallest integer format that holds it. */
  public MsgpackWriter writeLong(long value) {
    try {
      packer().packLong(value);
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /**
   * Writes float64, or float32 (narrowing {@code value}) if this writer uses {@link
   * FloatFormat#FLOAT32}.
   */
  public MsgpackWriter writeDouble(double value) {
    try {
      if (floats == FloatFormat.FLOAT32) {
        packer().packFloat((float) value);
      } else {
        packer().packDouble(value);
      }
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /** Writes a UTF-8 string; use {@link #writeNil()} for absent strings. */
  public MsgpackWriter writeString(String value) {
    Objects.requireNonNull(value, "value (use writeNil() for null)");
    try {
      MessagePacker p = packer();
      if (value.length() <= REUSED_UTF8_MAX_CHARS) {
        int length = encodeUtf8(value);
        p.packRawStringHeader(length).writePayload(utf8, 0, length);
      } else {
        p.packString(value);
      }
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /**
   * Encodes {@code s} into {@link #utf8} exactly as {@code s.getBytes(UTF_8)} would (an unpaired
   * surrogate becomes {@code '?'}) and returns the byte count.
   */
  private int encodeUtf8(String s) {
    int chars = s.length();
    if (utf8.length < 3 * chars) { // no char needs more than 3 bytes; a pair needs 4 for 2 chars
      utf8 = new byte[Math.max(64, 3 * chars)];
    }
    byte[] b = utf8;
    int n = 0;
    for (int i = 0; i < chars; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[n++] = (byte) c;
      } else if (c < 0x800) {
        b[n++] = (byte) (0xC0 | (c >> 6));
        b[n++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        char low;
        if (Character.isHighSurrogate(c)
            && i + 1 < chars
            && Character.isLowSurrogate(low = s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, low);
          b[n++] = (byte) (0xF0 | (cp >> 18));
          b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          b[n++] = (byte) (0x80 | (cp & 0x3F));
          i++;
        } else {
          b[n++] = (byte) '?';
        }
      } else {
        b[n++] = (byte) (0xE0 | (c >> 12));
        b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[n++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return n;
  }

  /** Writes a string whose UTF-8 encoding the caller already holds, such as a record key. */
  MsgpackWriter writeUtf8String(byte[] utf8) {
    try {
      packer().packRawStringHeader(utf8.length).writePayload(utf8);
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  public MsgpackWriter writeBinary(byte[] value) {
    Objects.requireNonNull(value, "value (use writeNil() for null)");
    return writeBinary(value, 0, value.length);
  }

  public MsgpackWriter writeBinary(byte[] value, int offset, int length) {
    Objects.requireNonNull(value, "value (use writeNil() for null)");
    Objects.checkFromIndexSize(offset, length, value.length);
    try {
      packer().packBinaryHeader(length).writePayload(value, offset, length);
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /** Starts an array; the next {@code length} values written are its elements. */
  public MsgpackWriter writeArrayHeader(int length) {
    requireNonNegative("length", length);
    try {
      packer().packArrayHeader(length);
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /**
   * Starts a map; the next {@code 2 * size} values written are its keys and values, alternating.
   */
  public MsgpackWriter writeMapHeader(int size) {
    requireNonNegative("size", size);
    try {
      packer().packMapHeader(size);
    } catch (IOException e) {
      throw cannotHappen(e);
    }
    return this;
  }

  /**
   * Writes a value tree: {@code null}, {@link Boolean}, {@link Byte}/{@link Short}/{@link
   * Integer}/{@link Long}, {@link Float}/{@link Double}, {@link String}, {@code byte[]}, {@link
   * List}, {@link Map} (keys of any of these types), a record (through {@link RecordCodec}) or an
   * enum (as its name).
   *
   * @throws IllegalArgumentException naming the class of a value of any other type, or if the tree
   *     nests deeper than {@value #MAX_WRITE_NESTING} levels (usually a cycle)
   */
  public MsgpackWriter writeValue(Object value) {
    if (value == null) {
      return writeNil();
    } else if (value instanceof String s) {
      return writeString(s);
    } else if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      return writeLong(((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      return writeDouble(((Number) value).doubleValue());
    } else if (value instanceof Boolean b) {
      return writeBoolean(b);
    } else if (value instanceof byte[] bytes) {
      return writeBinary(bytes);
    } else if (value instanceof List<?> list) {
      enterNested();
      writeArrayHeader(list.size());
      for (Object element : list) {
        writeValue(element);
      }
      exitNested();
      return this;
    } else if (value instanceof Map<?, ?> map) {
      enterNested();
      writeMapHeader(map.size());
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        writeValue(entry.getKey());
        writeValue(entry.getValue());
      }
      exitNested();
      return this;
    } else if (value instanceof Record record) {
      writeRecord(record, this);
      return this;
    } else if (value instanceof Enum<?> constant) {
      return writeString(constant.name());
    }
    throw new IllegalArgumentException(
        "cannot write a "
            + value.getClass().getName()
            + " as MessagePack; supported: null, Boolean, Byte, Short, Integer, Long, Float, Double,"
            + " String, byte[], List, Map, records and enums");
  }

  /** Pushes everything written so far into the target {@code ByteBuf}. */
  public void flush() {
    try {
      packer().flush();
    } catch (IOException e) {
      throw cannotHappen(e);
    }
  }

  /** Encodes one value into a fresh array; for tests and cold paths, not per-packet use. */
  public static byte[] toBytes(Object value) {
    ByteBuf buf = Unpooled.buffer();
    try {
      new MsgpackWriter().reset(buf).writeValue(value).flush();
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  /** Counts one level of list, map or record nesting; {@link RecordCodec} uses it too. */
  void enterNested() {
    if (++nesting > MAX_WRITE_NESTING) {
      nesting = 0;
      throw new IllegalArgumentException(
          "value nests deeper than " + MAX_WRITE_NESTING + " levels; is it cyclic?");
    }
  }

  void exitNested() {
    nesting--;
  }

  @SuppressWarnings("unchecked")
  private static <R extends Record> void writeRecord(R record, MsgpackWriter out) {
    RecordCodec.of((Class<R>) record.getClass()).write(record, out);
  }

  private MessagePacker packer() {
    if (output.target == null) {
      throw new IllegalStateException("call reset(ByteBuf) before writing");
    }
    return packer;
  }

  private static void requireNonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + value);
    }
  }

  // ByteBufOutput never throws IOException; the packer API just declares it.
  private static UncheckedIOException cannotHappen(IOException e) {
    return new UncheckedIOException(e);
  }

  /**
   * Hands the packer one reusable staging buffer and copies what it fills into the target ByteBuf.
   * Large payloads bypass staging and are copied straight into the target.
   */
  private static final class ByteBufOutput implements MessageBufferOutput {
    ByteBuf target;
    // Made on the first write: a reader-only owner (a client's state format) never pays for it.
    private byte[] staging = new byte[0];
    private MessageBuffer stagingView;

    @Override
    public MessageBuffer next(int minimumSize) {
      if (stagingView == null || minimumSize > staging.length) {
        staging = new byte[Math.max(minimumSize, Math.max(STAGING_BYTES, staging.length * 2))];
        stagingView = MessageBuffer.wrap(staging);
      }
      return stagingView;
    }

    @Override
    public void writeBuffer(int length) {
      target.writeBytes(staging, 0, length);
    }

    @Override
    public void write(byte[] buffer, int offset, int length) {
      target.writeBytes(buffer, offset, length);
    }

    @Override
    public void add(byte[] buffer, int offset, int length) {
      // The packer may hand over an array it will not touch again, but copying now keeps the
      // ByteBuf independent of the caller's array.
      target.writeBytes(buffer, offset, length);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
