package io.gamewire.protocol.msgpack;

/**
 * How a {@link MsgpackWriter} encodes floating-point numbers. Peers differ: peng3dnet sends
 * float64, PyGaSe packs floats as float32, so the writer must match the peer it talks to.
 */
public enum FloatFormat {
  /** MessagePack float 64 ({@code 0xcb}), lossless for {@code double}. */
  FLOAT64,
  /** MessagePack float 32 ({@code 0xca}); doubles are narrowed to {@code float}. */
  FLOAT32
}
