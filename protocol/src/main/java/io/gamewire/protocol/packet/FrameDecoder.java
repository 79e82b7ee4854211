package io.gamewire.protocol.packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Cuts a TCP byte stream into frames (docs/PACKET-PROTOCOL.md). Bytes go in with {@link #feed} in
 * chunks of any size; {@link #next} yields one frame at a time through this object's accessors. The
 * length prefix is checked against the maximum before any byte of the body is awaited or stored, so
 * the buffered bytes never exceed one maximum frame plus one chunk; a compressed body is inflated
 * into a buffer that may not grow beyond the maximum frame length either.
 *
 * <p>Single-threaded. The body returned by {@link #body()} stays valid until the next call of
 * {@link #next}, {@link #feed} or {@link #close}.
 */
public final class FrameDecoder implements AutoCloseable {
  private static final int INITIAL_INFLATE_BYTES = 4096;

  private final ByteBufAllocator alloc;
  private final int maxFrameBytes;
  private ByteBuf cumulation;
  private ByteBuf body;
  private ByteBuf inflated;
  private Inflater inflater;
  private int packetId;
  private int flags;
  private boolean failed;
  private boolean closed;

  public FrameDecoder(ByteBufAllocator alloc, int maxFrameBytes) {
    if (maxFrameBytes < FrameFormat.HEADER_BYTES) {
      throw new IllegalArgumentException(
          "maxFrameBytes must be at least " + FrameFormat.HEADER_BYTES + ", was " + maxFrameBytes);
    }
    this.alloc = alloc;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Takes ownership of {@code chunk} and buffers its readable bytes. */
  public void feed(ByteBuf chunk) {
    releaseBody();
    if (closed || failed || !chunk.isReadable()) {
      chunk.release();
      return;
    }
    if (cumulation == null) {
      cumulation = chunk;
      return;
    }
    if (cumulation.refCnt() > 1
        || cumulation.isReadOnly()
        || cumulation.maxWritableBytes() < chunk.readableBytes()) {
      ByteBuf merged = alloc.buffer(cumulation.readableBytes() + chunk.readableBytes());
      merged.writeBytes(cumulation);
      cumulation.release();
      cumulation = merged;
    } else if (cumulation.readerIndex() > 0 && cumulation.writableBytes() < chunk.readableBytes()) {
      cumulation.discardReadBytes();
    }
    cumulation.writeBytes(chunk);
    chunk.release();
  }

  /**
   * Advances to the next complete frame. Returns false when more bytes are needed. Throws when the
   * stream cannot continue; the decoder then stays failed and drops further input.
   */
  public boolean next() throws FrameException {
    releaseBody();
    if (failed || closed || cumulation == null) {
      return false;
    }
    try {
      return decodeOne();
    } catch (FrameException e) {
      failed = true;
      releaseCumulation();
      throw e;
    } finally {
      if (cumulation != null && !cumulation.isReadable()) {
        releaseCumulation();
      }
    }
  }

  private boolean decodeOne() throws FrameException {
    ByteBuf in = cumulation;
    if (in.readableBytes() < FrameFormat.LENGTH_FIELD_BYTES) {
      return false;
    }
    int start = in.readerIndex();
    long length = in.getUnsignedInt(start);
    // Untrusted length: judged before waiting for or storing a single body byte.
    if (length > maxFrameBytes) {
      throw new FrameException(
          CloseReasons.FRAME_TOO_LARGE,
          "frame length " + length + " exceeds the maximum of " + maxFrameBytes + " bytes");
    }
    if (length < FrameFormat.HEADER_BYTES) {
      throw new FrameException(
          CloseReasons.MALFORMED_FRAME,
          "frame length "
              + length
              + " is shorter than the "
              + FrameFormat.HEADER_BYTES
              + "-byte header");
    }
    if (in.readableBytes() < FrameFormat.LENGTH_FIELD_BYTES + length) {
      return false;
    }
    long id = in.getUnsignedInt(start + FrameFormat.LENGTH_FIELD_BYTES);
    if (id > Integer.MAX_VALUE) {
      throw new FrameException(
          CloseReasons.UNKNOWN_PACKET, "packet id " + id + " is outside every registry");
    }
    packetId = (int) id;
    flags = in.getUnsignedShort(start + FrameFormat.LENGTH_FIELD_BYTES + 4);
    int bodyStart = start + FrameFormat.PREFIX_AND_HEADER_BYTES;
    int bodyLength = (int) length - FrameFormat.HEADER_BYTES;
    in.readerIndex(bodyStart + bodyLength);
    if ((flags & FrameFormat.FLAG_ENCRYPTED_AES) != 0) {
      throw new FrameException(
          CloseReasons.ENCRYPTION_UNSUPPORTED,
          "packet " + packetId + " has the AES flag; encrypted bodies are not supported");
    }
    if ((flags & FrameFormat.FLAG_COMPRESSED) != 0) {
      body = inflate(in, bodyStart, bodyLength);
    } else {
      body = in.retainedSlice(bodyStart, bodyLength);
    }
    return true;
  }

  private ByteBuf inflate(ByteBuf in, int offset, int length) throws FrameException {
    if (inflater == null) {
      inflater = new Inflater();
    } else {
      inflater.reset();
    }
    if (inflated == null) {
      inflated = alloc.buffer(Math.min(INITIAL_INFLATE_BYTES, maxFrameBytes), maxFrameBytes);
    }
    inflated.clear();
    inflater.setInput(in.nioBuffer(offset, length));
    try {
      while (!inflater.finished()) {
        if (!inflated.isWritable()) {
          if (inflated.capacity() >= maxFrameBytes) {
            throw new FrameException(
                CloseReasons.DECOMPRESSED_TOO_LARGE,
                "packet "
                    + packetId
                    + " inflates beyond the maximum frame length of "
                    + maxFrameBytes
                    + " bytes");
          }
          inflated.ensureWritable(
              Math.min(inflated.capacity(), maxFrameBytes - inflated.capacity()));
        }
        ByteBuffer out = inflated.nioBuffer(inflated.writerIndex(), inflated.writableBytes());
        int n = inflater.inflate(out);
        inflated.writerIndex(inflated.writerIndex() + n);
        if (n == 0 && !inflater.finished()) {
          if (inflater.needsInput() || inflater.needsDictionary()) {
            throw new FrameException(
                CloseReasons.DECOMPRESSION_FAILED,
                "packet " + packetId + " has a truncated or dictionary-based zlib body");
          }
        }
      }
    } catch (DataFormatException e) {
      throw new FrameException(
          CloseReasons.DECOMPRESSION_FAILED,
          "packet " + packetId + " has an invalid zlib body: " + e.getMessage());
    }
    return inflated.retainedSlice();
  }

  /** The packet id of the current frame. */
  public int packetId() {
    return packetId;
  }

  /** The flags of the current frame, as sent. */
  public int flags() {
    return flags;
  }

  /** The current frame's body, inflated if it was compressed; valid until the next call. */
  public ByteBuf body() {
    if (body == null) {
      throw new IllegalStateException("no current frame: call next() first");
    }
    return body;
  }

  /** Bytes received but not yet part of a complete frame. */
  public int bufferedBytes() {
    return cumulation == null ? 0 : cumulation.readableBytes();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    releaseBody();
    releaseCumulation();
    if (inflated != null) {
      inflated.release();
      inflated = null;
    }
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }

  private void releaseBody() {
    if (body != null) {
      body.release();
      body = null;
    }
  }

  private void releaseCumulation() {
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
  }
}
