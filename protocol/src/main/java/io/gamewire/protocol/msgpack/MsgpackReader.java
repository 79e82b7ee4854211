package io.gamewire.protocol.msgpack;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferInput;

/**
 * Reusable, single-threaded, bounded MessagePack reader over bytes from the wire.
 *
 * <p>The rule it keeps: every claimed length (string, binary, array, map) is checked against the
 * {@link MsgpackLimits} <em>and</em> against the bytes that remain before anything is allocated,
 * nesting is capped at {@link MsgpackLimits#maxDepth()}, and no input makes a read method throw
 * anything but {@link MalformedMessageException}. After a {@code MalformedMessageException} the
 * position is unspecified; drop the message and {@code reset} before reading the next one.
 *
 * <p>One {@link MessageUnpacker} lives as long as the reader and is rewound by {@code reset}. Heap
 * {@code ByteBuf}s and arrays are read in place, so they must not be changed or released until the
 * next {@code reset}. Other buffers (direct, composite) are copied once into a reused array:
 * msgpack-core can only address direct memory through {@code sun.nio.ch}, which Java 17 does not
 * export, and the copy also frees the reader from the buffer's lifetime.
 */
public final class MsgpackReader {

  /**
   * Upper bound on the capacity reserved for a container up front. A claimed element count is
   * bounded by the remaining bytes, but nested headers could each claim all of them; growing as
   * elements actually arrive keeps memory proportional to the input.
   */
  static final int MAX_PRESIZED_ELEMENTS = 64;

  private static final int MAX_QUOTED_CHARS = 40;
  private static final byte[] NO_BYTES = new byte[0];
  private static final ValueKind[] KIND_BY_FORMAT = kindByFormat();

  private final MsgpackLimits limits;
  private final SingleChunkInput input = new SingleChunkInput();
  private final MessageUnpacker unpacker;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private byte[] copied = NO_BYTES;

  /**
   * The array the last input lay in, wrapped whole: msgpack-core's {@code MessageBuffer.wrap}
   * builds each buffer through a reflective constructor (boxing its arguments), so successive
   * inputs from one array, such as frames cut from one receive buffer, take a cheap slice of this
   * instead.
   */
  private byte[] wrappedArray;

  private MessageBuffer wrappedWhole;
  private byte[] stringBytes = NO_BYTES;
  private ByteBuffer stringBytesView = ByteBuffer.wrap(stringBytes);
  private CharBuffer stringChars = CharBuffer.allocate(0);

  /** Length of the current input, or -1 before the first reset. */
  private int inputLength = -1;

  /** Arrays, maps and records currently open, counted against {@link MsgpackLimits#maxDepth()}. */
  private int depth;

  // Explicit stacks instead of recursion, so a large maxDepth cannot overflow the thread stack.
  private Object[] openContainers = new Object[8];
  private Object[] pendingKeys = new Object[8];
  private int[] valuesLeft = new int[8];

  public MsgpackReader(MsgpackLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.unpacker =
        MessagePack.DEFAULT_UNPACKER_CONFIG
            .withAllowReadingStringAsBinary(false)
            .withAllowReadingBinaryAsString(false)
            .newUnpacker(input);
  }

  public MsgpackLimits limits() {
    return limits;
  }

  /**
   * Reads {@code in}'s readable bytes, leaving its reader index where it is. A heap buffer is read
   * in place and must stay unchanged and unreleased until the next reset.
   */
  public MsgpackReader reset(ByteBuf in) {
    Objects.requireNonNull(in, "in");
    int length = in.readableBytes();
    if (in.hasArray()) {
      return use(in.array(), in.arrayOffset() + in.readerIndex(), length);
    }
    if (copied.length < length) {
      copied = new byte[length];
    }
    in.getBytes(in.readerIndex(), copied, 0, length);
    return use(copied, 0, length);
  }

  /** Reads all of {@code in}, in place; it must stay unchanged until the next reset. */
  public MsgpackReader reset(byte[] in) {
    Objects.requireNonNull(in, "in");
    return use(in, 0, in.length);
  }

  /** Reads {@code in[off, off + len)}, in place; it must stay unchanged until the next reset. */
  public MsgpackReader reset(byte[] in, int off, int len) {
    Objects.requireNonNull(in, "in");
    Objects.checkFromIndexSize(off, len, in.length);
    return use(in, off, len);
  }

  private MsgpackReader use(byte[] bytes, int offset, int length) {
    if (length == 0) {
      input.chunk = null;
    } else {
      if (bytes != wrappedArray) {
        wrappedWhole = MessageBuffer.wrap(bytes);
        wrappedArray = bytes;
      }
      input.chunk = wrappedWhole.slice(offset, length);
    }
    inputLength = length;
    depth = 0;
    try {
      unpacker.reset(input);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reset only swaps fields; it performs no I/O
    }
    return this;
  }

  /** Bytes not yet consumed. */
  public int remaining() {
    return inputLength < 0 ? 0 : inputLength - (int) unpacker.getTotalReadBytes();
  }

  /** Byte offset of the next value from the start of the input. */
  long offset() {
    return unpacker.getTotalReadBytes();
  }

  /** The kind of the next value, without consuming it. */
  public ValueKind peekKind() throws MalformedMessageException {
    return KIND_BY_FORMAT[nextFormat(offset()).ordinal()];
  }

  public void readNil() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.NIL, at);
    try {
      unpacker.unpackNil();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read nil", at, e);
    }
  }

  public boolean readBoolean() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.BOOLEAN, at);
    try {
      return unpacker.unpackBoolean();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a boolean", at, e);
    }
  }

  /** Reads an integer of any MessagePack integer format that fits in a signed 64-bit long. */
  public long readLong() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.INTEGER, at);
    try {
      return unpacker.unpackLong();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read an integer", at, e);
    }
  }

  /** Reads a float32, float64 or integer as a double. */
  public double readDouble() throws MalformedMessageException {
    long at = offset();
    MessageFormat format = nextFormat(at);
    ValueKind kind = KIND_BY_FORMAT[format.ordinal()];
    try {
      if (kind == ValueKind.FLOAT) {
        return unpacker.unpackDouble();
      } else if (format == MessageFormat.UINT64) {
        return unpacker.unpackBigInteger().doubleValue(); // may exceed Long.MAX_VALUE
      } else if (kind == ValueKind.INTEGER) {
        return unpacker.unpackLong();
      }
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a number", at, e);
    }
    throw new MalformedMessageException(
        "expected a number but found " + describe(kind) + " at byte offset " + at);
  }

  /** Reads a string, rejecting bytes that are not well-formed UTF-8. */
  public String readString() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.STRING, at);
    int length;
    try {
      length = unpacker.unpackRawStringHeader();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a string header", at, e);
    }
    checkPayload("string", length, limits.maxStringBytes(), "maxStringBytes", at);
    if (stringBytes.length < length) {
      stringBytes = new byte[grow(stringBytes.length, length, limits.maxStringBytes())];
      stringBytesView = ByteBuffer.wrap(stringBytes);
    }
    try {
      unpacker.readPayload(stringBytes, 0, length);
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a string", at, e);
    }
    return decodeUtf8(length, at);
  }

  private String decodeUtf8(int length, long at) throws MalformedMessageException {
    if (stringChars.capacity() < length) {
      // UTF-8 never needs more chars than bytes.
      stringChars =
          CharBuffer.allocate(grow(stringChars.capacity(), length, limits.maxStringBytes()));
    }
    ByteBuffer bytes = stringBytesView.clear().limit(length);
    CharBuffer chars = stringChars.clear();
    utf8.reset();
    CoderResult result = utf8.decode(bytes, chars, true);
    if (!result.isError()) {
      result = utf8.flush(chars);
    }
    if (result.isError() || bytes.hasRemaining()) {
      throw new MalformedMessageException(
          "string at byte offset "
              + at
              + " is not valid UTF-8 (bad sequence at string byte "
              + bytes.position()
              + ")");
    }
    return chars.flip().toString();
  }

  public byte[] readBinary() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.BINARY, at);
    int length;
    try {
      length = unpacker.unpackBinaryHeader();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a binary header", at, e);
    }
    checkPayload("binary", length, limits.maxBinaryBytes(), "maxBinaryBytes", at);
    try {
      return unpacker.readPayload(length);
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read binary", at, e);
    }
  }

  /**
   * Reads an array header; the next that many values are its elements. The length is at most {@link
   * MsgpackLimits#maxArrayLength()} and at most {@link #remaining()}, since every element takes at
   * least one byte.
   */
  public int readArrayHeader() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.ARRAY, at);
    int length;
    try {
      length = unpacker.unpackArrayHeader();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read an array header", at, e);
    }
    if (length > limits.maxArrayLength()) {
      throw new MalformedMessageException(
          "array at byte offset "
              + at
              + " claims "
              + length
              + " elements, more than maxArrayLength "
              + limits.maxArrayLength());
    }
    if (length > remaining()) {
      throw new MalformedMessageException(
          "array at byte offset "
              + at
              + " claims "
              + length
              + " elements but only "
              + remaining()
              + " bytes remain");
    }
    return length;
  }

  /**
   * Reads a map header; the next {@code 2 * size} values are its keys and values, alternating. The
   * size is at most {@link MsgpackLimits#maxMapSize()} and {@code 2 * size} at most {@link
   * #remaining()}.
   */
  public int readMapHeader() throws MalformedMessageException {
    long at = offset();
    expect(ValueKind.MAP, at);
    int size;
    try {
      size = unpacker.unpackMapHeader();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a map header", at, e);
    }
    if (size > limits.maxMapSize()) {
      throw new MalformedMessageException(
          "map at byte offset "
              + at
              + " claims "
              + size
              + " entries, more than maxMapSize "
              + limits.maxMapSize());
    }
    if (2L * size > remaining()) {
      throw new MalformedMessageException(
          "map at byte offset "
              + at
              + " claims "
              + size
              + " entries but only "
              + remaining()
              + " bytes remain");
    }
    return size;
  }

  /**
   * Reads one value as a tree of {@code null}, {@link Boolean}, {@link Long}, {@link Double},
   * {@link String}, {@code byte[]}, {@link ArrayList} and {@link LinkedHashMap}.
   *
   * <p>Beyond the limits, it rejects extension types, duplicate map keys, and map keys that are
   * arrays or maps: those hash by content, so a peer could craft many colliding keys and make
   * building the map quadratic.
   */
  public Object readValue() throws MalformedMessageException {
    int open = 0;
    try {
      while (true) {
        long at = offset();
        ValueKind kind = peekKind();
        boolean atKey = open > 0 && isMapKeyPosition(open - 1);
        if (atKey && (kind == ValueKind.ARRAY || kind == ValueKind.MAP)) {
          throw new MalformedMessageException(
              "map key at byte offset " + at + " is " + describe(kind) + "; keys must be scalars");
        }
        Object value;
        switch (kind) {
          case NIL -> {
            readNil();
            value = null;
          }
          case BOOLEAN -> value = readBoolean();
          case INTEGER -> value = readLong();
          case FLOAT -> value = readDouble();
          case STRING -> value = readString();
          case BINARY -> value = readBinary();
          case ARRAY -> {
            int length = readArrayHeader();
            enterContainer(at);
            if (length > 0) {
              push(open++, new ArrayList<>(Math.min(length, MAX_PRESIZED_ELEMENTS)), length);
              continue;
            }
            exitContainer();
            value = new ArrayList<>(0);
          }
          case MAP -> {
            int size = readMapHeader();
            enterContainer(at);
            if (size > 0) {
              push(open++, new LinkedHashMap<>(), 2 * size);
              continue;
            }
            exitContainer();
            value = new LinkedHashMap<>();
          }
          default ->
              throw new MalformedMessageException(
                  "extension type at byte offset " + at + " is not supported");
        }
        // Attach the finished value to its container; a container that is now full is itself a
        // finished value for the one around it.
        while (true) {
          if (open == 0) {
            return value;
          }
          int top = open - 1;
          if (openContainers[top] instanceof Map<?, ?> rawMap) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> map = (Map<Object, Object>) rawMap;
            if (isMapKeyPosition(top)) {
              if (map.containsKey(value)) {
                throw new MalformedMessageException("duplicate map key at byte offset " + at);
              }
              pendingKeys[top] = value;
            } else {
              map.put(pendingKeys[top], value);
            }
          } else {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) openContainers[top];
            list.add(value);
          }
          if (--valuesLeft[top] > 0) {
            break;
          }
          value = openContainers[top];
          openContainers[top] = null;
          pendingKeys[top] = null;
          open--;
          exitContainer();
        }
      }
    } finally {
      // Do not keep a half-built tree reachable after a failure.
      Arrays.fill(openContainers, 0, open, null);
      Arrays.fill(pendingKeys, 0, open, null);
    }
  }

  /** A map's values alternate key, value; {@code valuesLeft} counts down from {@code 2 * size}. */
  private boolean isMapKeyPosition(int frame) {
    return openContainers[frame] instanceof Map && (valuesLeft[frame] & 1) == 0;
  }

  private void push(int frame, Object container, int values) {
    if (frame == openContainers.length) {
      int grown = frame * 2;
      openContainers = Arrays.copyOf(openContainers, grown);
      pendingKeys = Arrays.copyOf(pendingKeys, grown);
      valuesLeft = Arrays.copyOf(valuesLeft, grown);
    }
    openContainers[frame] = container;
    valuesLeft[frame] = values;
  }

  /**
   * Skips one value without building it. It checks structure, the limits and extension types like
   * {@link #readValue()}, but not content: string bytes are not decoded and integers are not
   * range-checked. Memory use does not depend on claimed sizes.
   */
  public void skipValue() throws MalformedMessageException {
    int open = 0;
    while (true) {
      long at = offset();
      MessageFormat format = nextFormat(at);
      switch (KIND_BY_FORMAT[format.ordinal()]) {
        case ARRAY -> {
          int length = readArrayHeader();
          enterContainer(at);
          if (length > 0) {
            pushSkip(open++, length);
            continue;
          }
          exitContainer();
        }
        case MAP -> {
          int size = readMapHeader();
          enterContainer(at);
          if (size > 0) {
            pushSkip(open++, 2 * size);
            continue;
          }
          exitContainer();
        }
        case STRING -> {
          int length;
          try {
            length = unpacker.unpackRawStringHeader();
          } catch (IOException | MessagePackException e) {
            throw failure("cannot read a string header", at, e);
          }
          checkPayload("string", length, limits.maxStringBytes(), "maxStringBytes", at);
          skipPayload(length, at);
        }
        case BINARY -> {
          int length;
          try {
            length = unpacker.unpackBinaryHeader();
          } catch (IOException | MessagePackException e) {
            throw failure("cannot read a binary header", at, e);
          }
          checkPayload("binary", length, limits.maxBinaryBytes(), "maxBinaryBytes", at);
          skipPayload(length, at);
        }
        case EXTENSION ->
            throw new MalformedMessageException(
                "extension type at byte offset " + at + " is not supported");
        default -> {
          // nil, boolean, integer, float: fixed size, nothing to allocate.
          try {
            unpacker.skipValue();
          } catch (IOException | MessagePackException e) {
            throw failure("cannot skip a value", at, e);
          }
        }
      }
      while (true) {
        if (open == 0) {
          return;
        }
        if (--valuesLeft[open - 1] > 0) {
          break;
        }
        open--;
        exitContainer();
      }
    }
  }

  private void pushSkip(int frame, int values) {
    if (frame == valuesLeft.length) {
      int grown = frame * 2;
      openContainers = Arrays.copyOf(openContainers, grown);
      pendingKeys = Arrays.copyOf(pendingKeys, grown);
      valuesLeft = Arrays.copyOf(valuesLeft, grown);
    }
    valuesLeft[frame] = values;
  }

  private void skipPayload(int length, long at) throws MalformedMessageException {
    try {
      // The input is one chunk and length <= remaining(), so this is a view, not a copy.
      unpacker.readPayloadAsReference(length);
    } catch (IOException | MessagePackException e) {
      throw failure("cannot skip a payload", at, e);
    }
  }

  /** Fails unless every byte of the input has been consumed. */
  public void expectEnd() throws MalformedMessageException {
    requireInput();
    int left = remaining();
    if (left > 0) {
      throw new MalformedMessageException(
          left + " trailing bytes after the value, from byte offset " + offset());
    }
  }

  /** Decodes exactly one value that fills {@code bytes}. */
  public static Object decode(byte[] bytes, MsgpackLimits limits) throws MalformedMessageException {
    MsgpackReader reader = new MsgpackReader(limits).reset(bytes);
    Object value = reader.readValue();
    reader.expectEnd();
    return value;
  }

  /** Opens one array, map or record level; {@link RecordCodec} uses it too. */
  void enterContainer(long at) throws MalformedMessageException {
    if (depth >= limits.maxDepth()) {
      throw new MalformedMessageException(
          "container at byte offset " + at + " nests deeper than maxDepth " + limits.maxDepth());
    }
    depth++;
  }

  void exitContainer() {
    depth--;
  }

  private void checkPayload(String what, int length, int limit, String limitName, long at)
      throws MalformedMessageException {
    if (length > limit) {
      throw new MalformedMessageException(
          what
              + " at byte offset "
              + at
              + " claims "
              + length
              + " bytes, more than "
              + limitName
              + " "
              + limit);
    }
    if (length > remaining()) {
      throw new MalformedMessageException(
          what
              + " at byte offset "
              + at
              + " claims "
              + length
              + " bytes but only "
              + remaining()
              + " remain");
    }
  }

  private void expect(ValueKind wanted, long at) throws MalformedMessageException {
    ValueKind kind = KIND_BY_FORMAT[nextFormat(at).ordinal()];
    if (kind != wanted) {
      throw new MalformedMessageException(
          "expected "
              + describe(wanted)
              + " but found "
              + describe(kind)
              + " at byte offset "
              + at);
    }
  }

  private MessageFormat nextFormat(long at) throws MalformedMessageException {
    requireInput();
    MessageFormat format;
    try {
      format = unpacker.getNextFormat();
    } catch (IOException | MessagePackException e) {
      throw failure("cannot read a value", at, e);
    }
    if (format == MessageFormat.NEVER_USED) {
      throw new MalformedMessageException("reserved byte 0xc1 at byte offset " + at);
    }
    return format;
  }

  private void requireInput() {
    if (inputLength < 0) {
      throw new IllegalStateException("call reset(...) before reading");
    }
  }

  private static MalformedMessageException failure(String what, long at, Exception cause) {
    String reason;
    if (cause instanceof MessageInsufficientBufferException) {
      reason = "input ends early";
    } else if (cause instanceof MessageIntegerOverflowException) {
      reason = "integer does not fit in a signed 64-bit long";
    } else if (cause instanceof MessageSizeException) {
      reason = "claimed length does not fit in 31 bits";
    } else {
      reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    return new MalformedMessageException(what + " at byte offset " + at + ": " + reason, cause);
  }

  private static String describe(ValueKind kind) {
    return switch (kind) {
      case NIL -> "nil";
      case BOOLEAN -> "a boolean";
      case INTEGER -> "an integer";
      case FLOAT -> "a float";
      case STRING -> "a string";
      case BINARY -> "binary";
      case ARRAY -> "an array";
      case MAP -> "a map";
      case EXTENSION -> "an extension type";
    };
  }

  /** A wire string made safe to put in an exception message: short, no control characters. */
  static String quote(String wire) {
    StringBuilder quoted = new StringBuilder("'");
    int end = Math.min(wire.length(), MAX_QUOTED_CHARS);
    for (int i = 0; i < end; i++) {
      char c = wire.charAt(i);
      quoted.append(Character.isISOControl(c) ? '?' : c);
    }
    if (end < wire.length()) {
      quoted.append("...");
    }
    return quoted.append('\'').toString();
  }

  private static int grow(int current, int needed, int limit) {
    return Math.max(needed, (int) Math.min(limit, 2L * current));
  }

  private static ValueKind[] kindByFormat() {
    MessageFormat[] formats = MessageFormat.values();
    ValueKind[] kinds = new ValueKind[formats.length];
    for (MessageFormat format : formats) {
      kinds[format.ordinal()] =
          switch (format) {
            case NIL -> ValueKind.NIL;
            case BOOLEAN -> ValueKind.BOOLEAN;
            case POSFIXINT, NEGFIXINT, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64 ->
                ValueKind.INTEGER;
            case FLOAT32, FLOAT64 -> ValueKind.FLOAT;
            case FIXSTR, STR8, STR16, STR32 -> ValueKind.STRING;
            case BIN8, BIN16, BIN32 -> ValueKind.BINARY;
            case FIXARRAY, ARRAY16, ARRAY32 -> ValueKind.ARRAY;
            case FIXMAP, MAP16, MAP32 -> ValueKind.MAP;
            case FIXEXT1, FIXEXT2, FIXEXT4, FIXEXT8, FIXEXT16, EXT8, EXT16, EXT32 ->
                ValueKind.EXTENSION;
            case NEVER_USED -> null; // rejected before the table is consulted
          };
    }
    return kinds;
  }

  /** Hands the unpacker the whole input as one chunk, then reports its end. */
  private static final class SingleChunkInput implements MessageBufferInput {
    MessageBuffer chunk;

    @Override
    public MessageBuffer next() {
      MessageBuffer next = chunk;
      chunk = null;
      return next;
    }

    @Override
    public void close() {}
  }
}
