package io.gamewire.protocol.msgpack;

/**
 * The MessagePack type family of the next value, as reported by {@link MsgpackReader#peekKind()}.
 */
public enum ValueKind {
  NIL,
  BOOLEAN,
  INTEGER,
  FLOAT,
  STRING,
  BINARY,
  ARRAY,
  MAP,
  EXTENSION
}
