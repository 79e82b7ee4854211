package io.gamewire.protocol.packet;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import java.util.Map;

/** The built-in codecs behind {@link PacketCodec}'s factory methods. */
final class Codecs {
  static final PacketCodec<Object> VALUE =
      new PacketCodec<>() {
        @Override
        public void encode(Object body, MsgpackWriter out) {
          out.writeValue(body);
        }

        @Override
        public Object decode(MsgpackReader in) throws MalformedMessageException {
          return in.readValue();
        }

        @Override
        public Class<?> bodyType() {
          return Object.class;
        }
      };

  static final PacketCodec<Map<Object, Object>> MAP =
      new PacketCodec<>() {
        @Override
        public void encode(Map<Object, Object> body, MsgpackWriter out) {
          out.writeValue(body);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map<Object, Object> decode(MsgpackReader in) throws MalformedMessageException {
          if (in.peekKind() != io.gamewire.protocol.msgpack.ValueKind.MAP) {
            throw new MalformedMessageException("expected a map, found " + in.peekKind());
          }
          return (Map<Object, Object>) in.readValue();
        }

        @Override
        public Class<?> bodyType() {
          return Map.class;
        }
      };

  static final PacketCodec<String> STRING =
      new PacketCodec<>() {
        @Override
        public void encode(String body, MsgpackWriter out) {
          out.writeString(body);
        }

        @Override
        public String decode(MsgpackReader in) throws MalformedMessageException {
          return in.readString();
        }

        @Override
        public Class<?> bodyType() {
          return String.class;
        }
      };

  private Codecs() {}
}
