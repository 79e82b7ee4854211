/**
 * MessagePack for control messages and for peers that speak it (peng3dnet, PyGaSe), built on
 * msgpack-core.
 *
 * <p>Two trust regimes, as everywhere in Gamewire: {@link
 * io.gamewire.protocol.msgpack.MsgpackWriter} and the write side of {@link
 * io.gamewire.protocol.msgpack.RecordCodec} treat bad arguments as the caller's mistake and fail
 * fast; {@link io.gamewire.protocol.msgpack.MsgpackReader} treats its input as hostile, checks
 * every length against {@link io.gamewire.protocol.msgpack.MsgpackLimits} and the bytes present
 * before allocating, and reports every problem as a checked {@link
 * io.gamewire.protocol.msgpack.MalformedMessageException}.
 */
package io.gamewire.protocol.msgpack;
