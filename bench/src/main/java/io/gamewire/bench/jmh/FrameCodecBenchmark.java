package io.gamewire.bench.jmh;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.packet.FrameDecoder;
import io.gamewire.protocol.packet.FrameEncoder;
import io.gamewire.protocol.packet.FrameException;
import io.gamewire.protocol.packet.FrameFormat;
import io.gamewire.protocol.packet.PacketCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame encode and decode on pooled buffers, as a connection does them. Run with {@code -prof gc}:
 * the steady state should allocate nothing per frame beyond the decoded body object itself.
 *
 * <ul>
 *   <li>{@code encodeString}: one frame with a 32-character string body, appended to a reused
 *       pooled direct buffer that is cleared every 64 frames.
 *   <li>{@code decodeFrames}: one chunk of {@value #FRAMES} frames (a pooled direct buffer, as the
 *       socket delivers it) fed to the decoder and iterated; the score is per frame.
 *   <li>{@code decodeFramesAndRead}: the same, plus reading each body's MessagePack (an integer)
 *       with the connection's {@link MsgpackReader}.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FrameCodecBenchmark {
  static final int FRAMES = 64;
  private static final int PACKET_ID = 64;

  @Param({"32"})
  int stringChars;

  private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private FrameEncoder encoder;
  private FrameDecoder decoder;
  private MsgpackReader reader;
  private ByteBuf out;
  private int encodedSinceClear;
  private String body;
  private ByteBuf chunkOfFrames;
  private ByteBuf chunkOfLongs;

  @Setup(Level.Trial)
  public void setUp() {
    encoder =
        new FrameEncoder(
            alloc,
            FrameFormat.DEFAULT_MAX_FRAME_BYTES,
            true,
            1024,
            FrameFormat.DEFAULT_COMPRESSION_LEVEL);
    decoder = new FrameDecoder(alloc, FrameFormat.DEFAULT_MAX_FRAME_BYTES);
    reader = new MsgpackReader(MsgpackLimits.DEFAULT);
    out = alloc.directBuffer(64 * 1024);
    body = "x".repeat(stringChars);
    chunkOfFrames = alloc.directBuffer();
    for (int i = 0; i < FRAMES; i++) {
      encoder.encode(chunkOfFrames, PACKET_ID, PacketCodec.string(), body);
    }
    chunkOfLongs = alloc.directBuffer();
    PacketCodec<Object> value = PacketCodec.value();
    for (int i = 0; i < FRAMES; i++) {
      encoder.encode(chunkOfLongs, PACKET_ID, value, (Object) (1_000_000L + i));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    encoder.close();
    decoder.close();
    out.release();
    chunkOfFrames.release();
    chunkOfLongs.release();
  }

  @Benchmark
  public int encodeString() {
    if (++encodedSinceClear == 64) {
      out.clear();
      encodedSinceClear = 0;
    }
    return encoder.encode(out, PACKET_ID, PacketCodec.string(), body);
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public long decodeFrames() throws FrameException {
    decoder.feed(chunkOfFrames.retainedDuplicate());
    long sum = 0;
    while (decoder.next()) {
      sum += decoder.packetId() + decoder.bodyLength();
    }
    return sum;
  }

  @Benchmark
  @OperationsPerInvocation(FRAMES)
  public long decodeFramesAndRead() throws FrameException, MalformedMessageException {
    decoder.feed(chunkOfLongs.retainedDuplicate());
    long sum = 0;
    while (decoder.next()) {
      reader.reset(decoder.bodyArray(), decoder.bodyOffset(), decoder.bodyLength());
      sum += reader.readLong();
    }
    return sum;
  }
}
