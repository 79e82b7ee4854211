package io.gamewire.protocol.pygase;

import io.gamewire.protocol.msgpack.FloatFormat;
import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.protocol.state.TimeOrder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes PyGaSe 0.3.1 packages byte for byte (docs/PYGASE.md):
 *
 * <pre>
 * header          ff d0 fa b9 | u16 sequence | u16 ack | u32 ack bitfield     (big-endian)
 * client package  header | u16 time order | events
 * server package  header | u16 length | update map (length bytes) | events
 * events          ( u16 length | {"type": str, "handler_args": [..], "handler_kwargs": {..}} )*
 * </pre>
 *
 * Floats are written as float32, as PyGaSe's MessagePack does. A package is at most {@value
 * PygaseWire#MAX_PACKAGE_BYTES} bytes with at most {@value PygaseWire#MAX_EVENTS_PER_PACKAGE}
 * events.
 *
 * <p><b>Decoding trusts nothing.</b> The datagram length is checked first, then every length field
 * against the bytes that remain, before anything is read; MessagePack goes through a {@link
 * MsgpackReader} whose limits are the package size; map keys must be strings or integers; a failure
 * is a {@link MalformedMessageException} naming the offset, never another exception. Reusable and
 * single-threaded: it holds one reader and one writer.
 */
public final class PygaseCodec {
  /** Nesting accepted in an update or an event, and written at most. */
  public static final int MAX_DEPTH = 32;

  static final MsgpackLimits LIMITS =
      new MsgpackLimits(
          PygaseWire.MAX_PACKAGE_BYTES,
          PygaseWire.MAX_PACKAGE_BYTES,
          PygaseWire.MAX_PACKAGE_BYTES,
          PygaseWire.MAX_PACKAGE_BYTES,
          MAX_DEPTH);

  private final MsgpackReader reader = new MsgpackReader(LIMITS);
  private final MsgpackWriter writer = new MsgpackWriter(FloatFormat.FLOAT32);
  private final ByteBuf scratch = Unpooled.buffer(256);

  // ------------------------------------------------------------------ encoding

  /** Writes the 12-byte header at {@code out}'s writer index. */
  public static void writeHeader(ByteBuf out, int sequence, int ack, int ackBitfield) {
    out.writeInt(PygaseWire.PROTOCOL_ID);
    out.writeShort(sequence);
    out.writeShort(ack);
    out.writeInt(ackBitfield);
  }

  /**
   * Encodes an event's map (without its length prefix) once, so that it can ride any number of
   * packages. Throws {@link IllegalArgumentException} for a value outside the state model or an
   * event larger than {@value PygaseWire#MAX_EVENT_BYTES} bytes.
   */
  public byte[] encodeEvent(PygaseEvent event) {
    scratch.clear();
    writer.reset(scratch);
    writer.writeMapHeader(3);
    writer.writeString(PygaseWire.TYPE_KEY).writeString(event.type());
    writer.writeString(PygaseWire.ARGS_KEY);
    writeTree(event.args(), 1);
    writer.writeString(PygaseWire.KWARGS_KEY);
    writeTree(event.kwargs(), 1);
    writer.flush();
    int n = scratch.readableBytes();
    if (n > PygaseWire.MAX_EVENT_BYTES) {
      throw new IllegalArgumentException(
          "event '"
              + event.type()
              + "' encodes to "
              + n
              + " bytes; a PyGaSe package holds at most "
              + PygaseWire.MAX_EVENT_BYTES
              + " bytes of event: send less per event");
    }
    byte[] bytes = new byte[n];
    scratch.readBytes(bytes);
    return bytes;
  }

  /** Writes a client package (header, time order, events) at {@code out}'s writer index. */
  public static void writeClientPackage(
      ByteBuf out, int sequence, int ack, int ackBitfield, int timeOrder, List<byte[]> events) {
    writeHeader(out, sequence, ack, ackBitfield);
    out.writeShort(timeOrder);
    for (byte[] e : events) {
      appendEvent(out, e);
    }
  }

  /**
   * Writes the header and the update of a server package at {@code out}'s writer index; events go
   * after it with {@link #appendEvent}. Returns false, leaving {@code out} as it was, if the update
   * does not fit in a package. Throws {@link IllegalArgumentException} for a value outside the
   * state model.
   */
  public boolean writeServerPackage(
      ByteBuf out, int sequence, int ack, int ackBitfield, PygaseUpdate update) {
    int start = out.writerIndex();
    writeHeader(out, sequence, ack, ackBitfield);
    int lengthAt = out.writerIndex();
    out.writeShort(0);
    try {
      writeUpdate(out, update);
    } catch (RuntimeException e) {
      out.writerIndex(start);
      throw e;
    }
    int length = out.writerIndex() - lengthAt - 2;
    if (out.writerIndex() - start > PygaseWire.MAX_PACKAGE_BYTES) {
      out.writerIndex(start);
      return false;
    }
    out.setShort(lengthAt, length);
    return true;
  }

  /** Encodes an update map alone (for sizing and tests). */
  public byte[] encodeUpdate(PygaseUpdate update) {
    scratch.clear();
    writeUpdate(scratch, update);
    byte[] bytes = new byte[scratch.readableBytes()];
    scratch.readBytes(bytes);
    return bytes;
  }

  private void writeUpdate(ByteBuf out, PygaseUpdate update) {
    writer.reset(out);
    Map<Object, Object> changes = update.changes();
    writer.writeMapHeader(changes.size() + (update.gameStatus() == null ? 1 : 2));
    for (Map.Entry<Object, Object> e : changes.entrySet()) {
      writeKey(e.getKey());
      writeTree(e.getValue(), 1);
    }
    if (update.gameStatus() != null) {
      writer.writeString(PygaseWire.GAME_STATUS_KEY).writeLong(update.gameStatus().wire());
    }
    writer.writeString(PygaseWire.TIME_ORDER_KEY).writeLong(update.timeOrder());
    writer.flush();
  }

  /** Appends {@code u16 length | event}. */
  public static void appendEvent(ByteBuf out, byte[] event) {
    out.writeShort(event.length);
    out.writeBytes(event);
  }

  private void writeKey(Object key) {
    if (key instanceof String s) {
      writer.writeString(s);
    } else if (key instanceof Long || key instanceof Integer) {
      writer.writeLong(((Number) key).longValue());
    } else {
      throw new IllegalArgumentException(
          "a state key must be a string or an integer; found "
              + (key == null ? "null" : key.getClass().getName()));
    }
  }

  private void writeTree(Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "value nests deeper than " + MAX_DEPTH + " levels, which PyGaSe peers here refuse");
    }
    if (value == StateTree.DELETE) {
      writer.writeBinary(PygaseWire.DELETE_MARKER);
    } else if (value instanceof Map<?, ?> m) {
      writer.writeMapHeader(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        writeKey(e.getKey());
        writeTree(e.getValue(), depth + 1);
      }
    } else if (value instanceof List<?> l) {
      writer.writeArrayHeader(l.size());
      for (Object o : l) {
        writeTree(o, depth + 1);
      }
    } else if (value == null
        || value instanceof Boolean
        || value instanceof Number
        || value instanceof String
        || value instanceof byte[]) {
      writer.writeValue(value);
    } else {
      throw new IllegalArgumentException(
          "cannot send a "
              + value.getClass().getName()
              + " to a PyGaSe peer; use null, boolean, integer, float, string, byte[], list or"
              + " map");
    }
  }

  // ------------------------------------------------------------------ decoding

  /** Decodes a client package; the reader index does not move. */
  public PygaseClientPackage decodeClientPackage(ByteBuf d) throws MalformedMessageException {
    int at = d.readerIndex();
    int n = checkHeader(d, PygaseWire.CLIENT_PREFIX_BYTES);
    int timeOrder = d.getUnsignedShort(at + PygaseWire.HEADER_BYTES);
    List<PygaseEvent> events = decodeEvents(d, at + PygaseWire.CLIENT_PREFIX_BYTES, at + n);
    return new PygaseClientPackage(
        d.getUnsignedShort(at + PygaseWire.SEQUENCE_AT),
        d.getUnsignedShort(at + PygaseWire.ACK_AT),
        d.getInt(at + PygaseWire.BITFIELD_AT),
        timeOrder,
        events);
  }

  /** Decodes a server package; the reader index does not move. */
  public PygaseServerPackage decodeServerPackage(ByteBuf d) throws MalformedMessageException {
    int at = d.readerIndex();
    int n = checkHeader(d, PygaseWire.HEADER_BYTES + 2);
    int length = d.getUnsignedShort(at + PygaseWire.HEADER_BYTES);
    int updateAt = PygaseWire.HEADER_BYTES + 2;
    if (length == 0 || length > n - updateAt) {
      throw new MalformedMessageException(
          "update claims " + length + " bytes but " + (n - updateAt) + " remain");
    }
    Object value = readOne(d, at + updateAt, length, "update");
    PygaseUpdate update = toUpdate(value);
    List<PygaseEvent> events = decodeEvents(d, at + updateAt + length, at + n);
    return new PygaseServerPackage(
        d.getUnsignedShort(at + PygaseWire.SEQUENCE_AT),
        d.getUnsignedShort(at + PygaseWire.ACK_AT),
        d.getInt(at + PygaseWire.BITFIELD_AT),
        update,
        events);
  }

  private static int checkHeader(ByteBuf d, int minBytes) throws MalformedMessageException {
    int n = d.readableBytes();
    if (n > PygaseWire.MAX_PACKAGE_BYTES) {
      throw new MalformedMessageException(
          "package of " + n + " bytes, more than " + PygaseWire.MAX_PACKAGE_BYTES);
    }
    if (n < minBytes) {
      throw new MalformedMessageException("package of " + n + " bytes, shorter than " + minBytes);
    }
    if (!PygaseWire.isPygase(d)) {
      throw new MalformedMessageException("not the PyGaSe protocol id");
    }
    if (d.getUnsignedShort(d.readerIndex() + PygaseWire.SEQUENCE_AT) == 0) {
      throw new MalformedMessageException("sequence 0 (nothing sent) in a package");
    }
    return n;
  }

  private List<PygaseEvent> decodeEvents(ByteBuf d, int from, int end)
      throws MalformedMessageException {
    if (from == end) {
      return List.of();
    }
    List<PygaseEvent> events = new ArrayList<>(2);
    int at = from;
    while (at < end) {
      if (events.size() == PygaseWire.MAX_EVENTS_PER_PACKAGE) {
        throw new MalformedMessageException(
            "more than " + PygaseWire.MAX_EVENTS_PER_PACKAGE + " events in a package");
      }
      if (end - at < 2) {
        throw new MalformedMessageException("1 stray byte after the last event");
      }
      int length = d.getUnsignedShort(at);
      if (length == 0 || length > end - at - 2) {
        throw new MalformedMessageException(
            "event claims " + length + " bytes but " + (end - at - 2) + " remain");
      }
      events.add(toEvent(readOne(d, at + 2, length, "event")));
      at += 2 + length;
    }
    return Collections.unmodifiableList(events);
  }

  private Object readOne(ByteBuf d, int at, int length, String what)
      throws MalformedMessageException {
    reader.reset(d.slice(at, length));
    Object value = reader.readValue();
    reader.expectEnd();
    if (!(value instanceof Map<?, ?>)) {
      throw new MalformedMessageException(what + " is not a map");
    }
    return value;
  }

  private static PygaseUpdate toUpdate(Object value) throws MalformedMessageException {
    Map<?, ?> map = (Map<?, ?>) value;
    Object t = map.get(PygaseWire.TIME_ORDER_KEY);
    if (!(t instanceof Long time) || !TimeOrder.isValid(time)) {
      throw new MalformedMessageException("update without a time_order in 0..65535");
    }
    GameStatus status = null;
    if (map.containsKey(PygaseWire.GAME_STATUS_KEY)) {
      Object s = map.get(PygaseWire.GAME_STATUS_KEY);
      status = s instanceof Long l ? GameStatus.fromWire(l) : null;
      if (status == null) {
        throw new MalformedMessageException("update with a game_status other than 0 or 1");
      }
    }
    Map<Object, Object> changes = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      Object key = e.getKey();
      if (PygaseWire.TIME_ORDER_KEY.equals(key) || PygaseWire.GAME_STATUS_KEY.equals(key)) {
        continue;
      }
      changes.put(checkKey(key), toUpdateValue(e.getValue()));
    }
    return new PygaseUpdate(
        (int) (long) time,
        status,
        changes.isEmpty() ? StateTree.EMPTY : Collections.unmodifiableMap(changes));
  }

  private static PygaseEvent toEvent(Object value) throws MalformedMessageException {
    Map<?, ?> map = (Map<?, ?>) value;
    String type = null;
    List<Object> args = List.of();
    Map<String, Object> kwargs = Map.of();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      Object key = e.getKey();
      Object v = e.getValue();
      if (PygaseWire.TYPE_KEY.equals(key) && v instanceof String s && !s.isEmpty()) {
        type = s;
      } else if (PygaseWire.ARGS_KEY.equals(key) && v instanceof List<?> l) {
        @SuppressWarnings("unchecked")
        List<Object> a = (List<Object>) toModel(l, false);
        args = a;
      } else if (PygaseWire.KWARGS_KEY.equals(key) && v instanceof Map<?, ?> m) {
        for (Object k : m.keySet()) {
          if (!(k instanceof String)) {
            throw new MalformedMessageException("event keyword that is not a string");
          }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> k = (Map<String, Object>) toModel(m, false);
        kwargs = k;
      } else {
        throw new MalformedMessageException(
            "event entry "
                + (key instanceof String s
                    ? "'" + s.substring(0, Math.min(s.length(), 40)) + "'"
                    : "of another type")
                + " is not type (string), handler_args (array) or handler_kwargs (map)");
      }
    }
    if (type == null) {
      throw new MalformedMessageException("event without a type");
    }
    return new PygaseEvent(type, args, kwargs);
  }

  /** A map value in an update: the delete marker means {@link StateTree#DELETE}. */
  private static Object toUpdateValue(Object v) throws MalformedMessageException {
    if (v instanceof byte[] b && Arrays.equals(b, PygaseWire.DELETE_MARKER)) {
      return StateTree.DELETE;
    }
    return toModel(v, true);
  }

  private static Object checkKey(Object key) throws MalformedMessageException {
    if (key instanceof String || key instanceof Long) {
      return key;
    }
    throw new MalformedMessageException("map key that is neither a string nor an integer");
  }

  /**
   * Turns a decoded tree into a frozen model tree: keys checked, in an update the delete marker as
   * a map value becomes {@link StateTree#DELETE}. Depth is already bounded by the reader.
   */
  private static Object toModel(Object value, boolean update) throws MalformedMessageException {
    if (value instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        return StateTree.EMPTY;
      }
      Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object v = e.getValue();
        out.put(checkKey(e.getKey()), update ? toUpdateValue(v) : toModel(v, false));
      }
      return Collections.unmodifiableMap(out);
    }
    if (value instanceof List<?> l) {
      Object[] items = new Object[l.size()];
      for (int i = 0; i < items.length; i++) {
        items[i] = toModel(l.get(i), false);
      }
      return Collections.unmodifiableList(Arrays.asList(items));
    }
    return value;
  }
}
