package io.gamewire.protocol.packet;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.gamewire.protocol.msgpack.RecordCodec;
import java.util.Map;

/**
 * Turns a packet's body into MessagePack and back. {@link #decode} reads bytes from the wire: it
 * must reject anything unexpected with {@link MalformedMessageException}, never another exception.
 *
 * @param <T> the Java type of the body
 */
public interface PacketCodec<T> {

  /** Writes {@code body} as exactly one MessagePack value. */
  void encode(T body, MsgpackWriter out);

  /** Reads exactly one MessagePack value. */
  T decode(MsgpackReader in) throws MalformedMessageException;

  /** The Java type this codec produces, used to check bodies handed to {@code send}. */
  Class<?> bodyType();

  /** Any MessagePack value as plain Java objects ({@code Map}, {@code List}, {@code String}...). */
  static PacketCodec<Object> value() {
    return Codecs.VALUE;
  }

  /** A MessagePack map, as all of peng3dnet's built-in packets use. */
  static PacketCodec<Map<Object, Object>> map() {
    return Codecs.MAP;
  }

  /** A MessagePack string. */
  static PacketCodec<String> string() {
    return Codecs.STRING;
  }

  /** A record written as a map keyed by its component names. */
  static <R extends Record> PacketCodec<R> record(Class<R> type) {
    RecordCodec<R> codec = RecordCodec.of(type);
    return new PacketCodec<>() {
      @Override
      public void encode(R body, MsgpackWriter out) {
        codec.write(body, out);
      }

      @Override
      public R decode(MsgpackReader in) throws MalformedMessageException {
        return codec.read(in);
      }

      @Override
      public Class<?> bodyType() {
        return type;
      }
    };
  }
}
