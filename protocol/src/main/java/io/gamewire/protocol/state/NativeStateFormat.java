package io.gamewire.protocol.state;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.gamewire.protocol.realtime.Sequence;
import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of state sync on the native realtime protocol (docs/STATE-SYNC.md). Every message
 * starts with a kind byte:
 *
 * <ul>
 *   <li>{@link #EVENT} {@code | msgpack [type, args, kwargs]}: an event, either way, on the
 *       reliable-ordered channel;
 *   <li>{@link #SHUTDOWN}: the host client asks the server to stop;
 *   <li>{@link #UPDATE} {@code | u16 timeOrder | varint back | delta}: the change to version {@code
 *       timeOrder} from the version {@code back} steps before it (0: from none, a full state), on
 *       the unreliable channel; {@code back} is 1 byte for bases up to 127 versions old (most
 *       updates: 1); the delta is {@link StateDeltaCodec}'s bit-packed encoding
 *       (docs/STATE-SYNC.md);
 *   <li>{@link #RESYNC} {@code | u16 timeOrder}: the client lacks the base of the updates it gets
 *       and holds {@code timeOrder} (0: nothing usable); the server starts over from there.
 * </ul>
 *
 * Decoding is bounded by {@link MsgpackLimits} and validated against the state value model; bad
 * bytes give a {@link MalformedMessageException}.
 */
public final class NativeStateFormat {
  public static final int EVENT = 1;
  public static final int SHUTDOWN = 2;
  public static final int UPDATE = 3;
  public static final int RESYNC = 4;

  /** The reliable-ordered channel events travel on. */
  public static final int EVENT_CHANNEL = 0;

  /** The unreliable channel state updates travel on. */
  public static final int STATE_CHANNEL = 1;

  /** The largest {@code back} of an UPDATE: half the time-order ring, as far as "older" reaches. */
  public static final int MAX_UPDATE_BACK = Sequence.MAX / 2;

  private final MsgpackWriter writer = new MsgpackWriter();
  private final MsgpackReader reader;

  public NativeStateFormat(MsgpackLimits limits) {
    this.reader = new MsgpackReader(limits);
  }

  /** A decoded update message header; {@code delta} is a slice valid while the message is. */
  public record Update(int base, int timeOrder, ByteBuf delta) {}

  // ---------------------------------------------------------------- encoding

  public void writeEvent(ByteBuf out, String type, List<?> args, Map<String, ?> kwargs) {
    out.writeByte(EVENT);
    writer.reset(out);
    writer.writeArrayHeader(3).writeString(type);
    writer.writeValue(args == null ? List.of() : args);
    writer.writeValue(kwargs == null ? Map.of() : kwargs);
    writer.flush();
  }

  public void writeShutdown(ByteBuf out) {
    out.writeByte(SHUTDOWN);
  }

  public void writeResync(ByteBuf out, int timeOrder) {
    out.writeByte(RESYNC).writeShort(timeOrder);
  }

  /** Reads a RESYNC message: the time order the client holds. */
  public int readResync(ByteBuf message) throws MalformedMessageException {
    expectKind(message, RESYNC);
    if (message.readableBytes() != 2) {
      throw new MalformedMessageException("a resync is a u16 time order");
    }
    return message.readUnsignedShort();
  }

  /**
   * Writes an UPDATE message: the header, then {@code encoder}'s delta from {@code from} (the
   * version {@code base}, or {@link StateTree#EMPTY} for 0) to {@code to}.
   */
  public void writeUpdate(
      ByteBuf out,
      int base,
      int timeOrder,
      StateDeltaCodec.Encoder encoder,
      Map<Object, Object> from,
      Map<Object, Object> to) {
    int back = base == TimeOrder.NONE ? 0 : TimeOrder.distance(timeOrder, base);
    if (back > MAX_UPDATE_BACK || (base != TimeOrder.NONE && back == 0)) {
      throw new IllegalArgumentException(
          "base " + base + " is not older than " + timeOrder + " by at most half the ring");
    }
    out.writeByte(UPDATE).writeShort(timeOrder);
    while (back >= 0x80) {
      out.writeByte(back & 0x7f | 0x80);
      back >>>= 7;
    }
    out.writeByte(back);
    encoder.encode(from, to, out);
  }

  // ---------------------------------------------------------------- decoding

  /** The kind byte of a message, without consuming it; -1 for an empty message. */
  public static int kind(ByteBuf message) {
    return message.isReadable() ? message.getUnsignedByte(message.readerIndex()) : -1;
  }

  /** Reads an EVENT message into a {@link GameEvent} from {@code clientId}. */
  public GameEvent readEvent(ByteBuf message, int clientId) throws MalformedMessageException {
    expectKind(message, EVENT);
    reader.reset(message);
    if (reader.readArrayHeader() != 3) {
      throw new MalformedMessageException("an event is [type, args, kwargs]");
    }
    String type = reader.readString();
    Object args = reader.readValue();
    Object kwargs = reader.readValue();
    reader.expectEnd();
    if (!(args instanceof List<?> a) || !(kwargs instanceof Map<?, ?> k)) {
      throw new MalformedMessageException("event " + type + ": args must be a list, kwargs a map");
    }
    Map<String, Object> named = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : k.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new MalformedMessageException("event " + type + ": keyword names must be strings");
      }
      named.put(key, e.getValue());
    }
    try {
      Map<Object, Object> frozen = StateTree.freeze(Map.of("a", a, "k", named), false);
      @SuppressWarnings("unchecked")
      Map<String, Object> kw = (Map<String, Object>) (Map<?, ?>) frozen.get("k");
      @SuppressWarnings("unchecked")
      List<Object> args2 = (List<Object>) frozen.get("a");
      return new GameEvent(type, args2, kw, clientId);
    } catch (IllegalArgumentException e) {
      throw new MalformedMessageException("event " + type + ": " + e.getMessage());
    }
  }

  /** Reads an UPDATE message's header; decode its delta with a {@link StateDeltaCodec.Decoder}. */
  public Update readUpdate(ByteBuf message) throws MalformedMessageException {
    expectKind(message, UPDATE);
    if (message.readableBytes() < 3) {
      throw new MalformedMessageException("an update needs time order and base");
    }
    int timeOrder = message.readUnsignedShort();
    if (timeOrder == TimeOrder.NONE) {
      throw new MalformedMessageException("an update cannot have time order 0");
    }
    int back = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 14 || !message.isReadable()) {
        throw new MalformedMessageException("an update's base is a varint of at most 3 bytes");
      }
      int b = message.readUnsignedByte();
      back |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (back > MAX_UPDATE_BACK) {
      throw new MalformedMessageException("an update's base is more than half the ring back");
    }
    int base = back == 0 ? TimeOrder.NONE : Sequence.add(timeOrder, -back);
    return new Update(base, timeOrder, message.slice());
  }

  private static void expectKind(ByteBuf message, int kind) throws MalformedMessageException {
    if (!message.isReadable() || message.readUnsignedByte() != kind) {
      throw new MalformedMessageException("expected a message of kind " + kind);
    }
  }
}
