package io.gamewire.protocol.packet;

import io.gamewire.protocol.msgpack.FloatFormat;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Appends frames to an output buffer (docs/PACKET-PROTOCOL.md). The body is written in place after
 * a reserved header, so an uncompressed frame costs no copy and no allocation; a body strictly
 * longer than the compression threshold is deflated (zlib) and the compressed flag set.
 * Single-threaded.
 */
public final class FrameEncoder implements AutoCloseable {
  private final ByteBufAllocator alloc;
  private final int maxFrameBytes;
  private final boolean compressionEnabled;
  private final int compressionThreshold;
  private final int compressionLevel;
  private final MsgpackWriter writer = new MsgpackWriter(FloatFormat.FLOAT64);
  private Deflater deflater;
  private ByteBuf scratch;

  public FrameEncoder(
      ByteBufAllocator alloc,
      int maxFrameBytes,
      boolean compressionEnabled,
      int compressionThreshold,
      int compressionLevel) {
    this.alloc = alloc;
    this.maxFrameBytes = maxFrameBytes;
    this.compressionEnabled = compressionEnabled;
    this.compressionThreshold = compressionThreshold;
    this.compressionLevel = compressionLevel;
  }

  /**
   * Appends one frame with {@code body} encoded by {@code codec}. Returns the number of bytes
   * appended. If the frame would exceed the maximum frame length, nothing is appended and an {@link
   * IllegalArgumentException} says so: the peer would close the connection over it.
   */
  public <T> int encode(ByteBuf out, int packetId, PacketCodec<T> codec, T body) {
    int frameStart = out.writerIndex();
    out.writeInt(0).writeInt(packetId).writeShort(0);
    int bodyStart = out.writerIndex();
    try {
      writer.reset(out);
      codec.encode(body, writer);
      writer.flush();
    } catch (RuntimeException e) {
      out.writerIndex(frameStart);
      throw e;
    }
    int bodyLength = out.writerIndex() - bodyStart;
    int flags = 0;
    if (compressionEnabled && bodyLength > compressionThreshold) {
      bodyLength = compress(out, bodyStart, bodyLength);
      flags |= FrameFormat.FLAG_COMPRESSED;
    }
    long frameLength = (long) FrameFormat.HEADER_BYTES + bodyLength;
    if (frameLength > maxFrameBytes) {
      out.writerIndex(frameStart);
      throw new IllegalArgumentException(
          "packet "
              + packetId
              + " encodes to a frame of "
              + frameLength
              + " bytes, over the maximum of "
              + maxFrameBytes
              + "; send less or raise the maximum frame length on both sides");
    }
    out.setInt(frameStart, (int) frameLength);
    out.setShort(frameStart + 8, flags);
    return out.writerIndex() - frameStart;
  }

  /** Replaces the body at {@code bodyStart} with its zlib form; returns the new body length. */
  private int compress(ByteBuf out, int bodyStart, int bodyLength) {
    if (deflater == null) {
      deflater = new Deflater(compressionLevel);
    } else {
      deflater.reset();
    }
    if (scratch == null) {
      scratch = alloc.heapBuffer(bodyLength);
    }
    scratch.clear();
    scratch.writeBytes(out, bodyStart, bodyLength);
    deflater.setInput(scratch.nioBuffer());
    deflater.finish();
    out.writerIndex(bodyStart);
    while (!deflater.finished()) {
      out.ensureWritable(Math.max(64, bodyLength / 4));
      ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
      int n = deflater.deflate(dst);
      out.writerIndex(out.writerIndex() + n);
    }
    if (scratch.capacity() > 1 << 16) {
      scratch.release();
      scratch = null;
    }
    return out.writerIndex() - bodyStart;
  }

  @Override
  public void close() {
    if (deflater != null) {
      deflater.end();
      deflater = null;
    }
    if (scratch != null) {
      scratch.release();
      scratch = null;
    }
  }
}
