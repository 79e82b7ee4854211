package io.gamewire.protocol.packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Cuts a TCP byte stream into frames (docs/PACKET-PROTOCOL.md). Bytes go in with {@link #feed} in
 * chunks of any size; {@link #next} yields one frame at a time through this object's accessors. The
 * length prefix is checked against the maximum before any byte of the body is awaited or stored, so
 * the buffered bytes never exceed one maximum frame plus one chunk; a compressed body is inflated
 * into an array that may not grow beyond the maximum frame length either.
 *
 * <p>Received bytes are copied once, a whole chunk at a time, into a pooled heap buffer, and frames
 * are cut from its array: the current body is a range of an array ({@link #bodyArray()}, {@link
 * #bodyOffset()}, {@link #bodyLength()}), so the steady state allocates nothing per frame. Once
 * every byte in it has been consumed ({@link #next} returned false with nothing left over) a buffer
 * larger than {@value #KEPT_BUFFER_BYTES} bytes goes back to the pool; a smaller one is kept for
 * the next chunk.
 *
 * <p>Single-threaded. The current body stays valid until the next call of {@link #next}, {@link
 * #feed} or {@link #close}.
 */
public final class FrameDecoder implements AutoCloseable {
  private static final int INITIAL_INFLATE_BYTES = 4096;
  private static final byte[] NO_BYTES = new byte[0];

  /**
   * A consumed receive buffer up to this size is kept for the next chunk rather than returned to
   * the pool: a request-response stream of small frames then allocates nothing per read. Larger
   * ones go back, so an idle connection holds at most this much.
   */
  static final int KEPT_BUFFER_BYTES = 1024;

  private final ByteBufAllocator alloc;
  private final int maxFrameBytes;

  /** Received bytes not yet cut into frames; a heap buffer, read through its array. */
  private ByteBuf cumulation;

  private byte[] inflated = NO_BYTES;
  private Inflater inflater;
  private int packetId;
  private int flags;
  private byte[] bodyArray;
  private int bodyOffset;
  private int bodyLength = -1;
  private ByteBuf bodyView;
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

  /** Takes ownership of {@code chunk}, copies its readable bytes and releases it. */
  public void feed(ByteBuf chunk) {
    clearBody();
    try {
      int n = chunk.readableBytes();
      if (closed || failed || n == 0) {
        return;
      }
      if (cumulation == null) {
        cumulation = alloc.heapBuffer(Math.max(n, 64));
      } else if (!cumulation.isReadable()) {
        cumulation.clear();
      } else if (cumulation.writableBytes() < n && cumulation.readerIndex() > 0) {
        cumulation.discardReadBytes();
      }
      cumulation.writeBytes(chunk, chunk.readerIndex(), n);
    } finally {
      chunk.release();
    }
  }

  /**
   * Advances to the next complete frame. Returns false when more bytes are needed. Throws when the
   * stream cannot continue; the decoder then stays failed and drops further input.
   */
  public boolean next() throws FrameException {
    clearBody();
    if (failed || closed || cumulation == null) {
      return false;
    }
    try {
      if (decodeOne()) {
        return true;
      }
      // The caller is done with the previous body: an empty buffer can be reused or returned.
      if (!cumulation.isReadable()) {
        if (cumulation.capacity() > KEPT_BUFFER_BYTES) {
          releaseCumulation();
        } else {
          cumulation.clear();
        }
      }
      return false;
    } catch (FrameException e) {
      failed = true;
      releaseCumulation();
      throw e;
    }
  }

  private boolean decodeOne() throws FrameException {
    ByteBuf in = cumulation;
    int readable = in.readableBytes();
    if (readable < FrameFormat.LENGTH_FIELD_BYTES) {
      return false;
    }
    byte[] a = in.array();
    int start = in.arrayOffset() + in.readerIndex();
    long length = uint32(a, start);
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
    if (readable < FrameFormat.LENGTH_FIELD_BYTES + length) {
      return false;
    }
    long id = uint32(a, start + FrameFormat.LENGTH_FIELD_BYTES);
    if (id > Integer.MAX_VALUE) {
      throw new FrameException(
          CloseReasons.UNKNOWN_PACKET, "packet id " + id + " is outside every registry");
    }
    packetId = (int) id;
    int f = start + FrameFormat.LENGTH_FIELD_BYTES + 4;
    flags = ((a[f] & 0xff) << 8) | (a[f + 1] & 0xff);
    int bodyStart = start + FrameFormat.PREFIX_AND_HEADER_BYTES;
    int length32 = (int) length - FrameFormat.HEADER_BYTES;
    in.skipBytes(FrameFormat.LENGTH_FIELD_BYTES + (int) length);
    if ((flags & FrameFormat.FLAG_ENCRYPTED_AES) != 0) {
      throw new FrameException(
          CloseReasons.ENCRYPTION_UNSUPPORTED,
          "packet " + packetId + " has the AES flag; encrypted bodies are not supported");
    }
    if ((flags & FrameFormat.FLAG_COMPRESSED) != 0) {
      bodyLength = inflate(a, bodyStart, length32);
      bodyArray = inflated;
      bodyOffset = 0;
    } else {
      bodyArray = a;
      bodyOffset = bodyStart;
      bodyLength = length32;
    }
    return true;
  }

  private static long uint32(byte[] a, int i) {
    return ((long) (a[i] & 0xff) << 24)
        | ((a[i + 1] & 0xff) << 16)
        | ((a[i + 2] & 0xff) << 8)
        | (a[i + 3] & 0xff);
  }

  /** Inflates into {@link #inflated}, growing it up to the maximum; returns the length. */
  private int inflate(byte[] in, int offset, int length) throws FrameException {
    if (inflater == null) {
      inflater = new Inflater();
    } else {
      inflater.reset();
    }
    if (inflated.length == 0) {
      inflated = new byte[Math.min(INITIAL_INFLATE_BYTES, maxFrameBytes)];
    }
    inflater.setInput(in, offset, length);
    int written = 0;
    try {
      while (!inflater.finished()) {
        if (written == inflated.length) {
          if (inflated.length >= maxFrameBytes) {
            throw new FrameException(
                CloseReasons.DECOMPRESSED_TOO_LARGE,
                "packet "
                    + packetId
                    + " inflates beyond the maximum frame length of "
                    + maxFrameBytes
                    + " bytes");
          }
          inflated =
              Arrays.copyOf(inflated, (int) Math.min(2L * inflated.length, (long) maxFrameBytes));
        }
        int n = inflater.inflate(inflated, written, inflated.length - written);
        written += n;
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
    return written;
  }

  /** The packet id of the current frame. */
  public int packetId() {
    return packetId;
  }

  /** The flags of the current frame, as sent. */
  public int flags() {
    return flags;
  }

  /**
   * The array holding the current frame's body (inflated if it was compressed), from {@link
   * #bodyOffset()} for {@link #bodyLength()} bytes; valid until the next call, and not to be
   * changed.
   */
  public byte[] bodyArray() {
    requireBody();
    return bodyArray;
  }

  /** Where the current body starts in {@link #bodyArray()}. */
  public int bodyOffset() {
    requireBody();
    return bodyOffset;
  }

  /** The current body's length in bytes. */
  public int bodyLength() {
    requireBody();
    return bodyLength;
  }

  /**
   * The current frame's body as a read-only buffer over {@link #bodyArray()}; valid until the next
   * call. Allocates a wrapper: the hot path reads the array instead.
   */
  public ByteBuf body() {
    requireBody();
    if (bodyView == null) {
      bodyView = Unpooled.wrappedBuffer(bodyArray, bodyOffset, bodyLength).asReadOnly();
    }
    return bodyView;
  }

  private void requireBody() {
    if (bodyLength < 0) {
      throw new IllegalStateException("no current frame: call next() first");
    }
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
    clearBody();
    releaseCumulation();
    inflated = NO_BYTES;
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }

  private void clearBody() {
    bodyArray = null;
    bodyLength = -1;
    bodyView = null;
  }

  private void releaseCumulation() {
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
  }
}
