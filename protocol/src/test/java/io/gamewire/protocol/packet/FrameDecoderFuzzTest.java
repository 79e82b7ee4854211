package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gamewire.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer target for {@link FrameDecoder}. The input is a byte stream plus the places to cut it (see
 * {@link FuzzSeeds} for the layout). Properties checked on every input:
 *
 * <ul>
 *   <li>{@link FrameException} is the only exception {@code next()} throws; {@code feed} throws
 *       nothing.
 *   <li>Every buffer the decoder allocates or is handed is released once it is closed (counted by
 *       the allocator's metric, which tracks live capacity).
 *   <li>Right after a feed the decoder buffers at most one whole wire frame (prefix included) plus
 *       the chunk; after {@code next()} has returned false, less than one whole wire frame.
 *   <li>Decoding the stream whole and in the fuzzer's chunks gives the same frames, the same
 *       failure reason and the same leftover.
 * </ul>
 *
 * <p>Without {@code JAZZER_FUZZ} it runs once per file in {@code
 * FrameDecoderFuzzTestInputs/decoderOnlyFailsWithFrameException/}. Fuzz for real with {@code
 * JAZZER_FUZZ=1 mvn -pl protocol -am test -Dtest=FrameDecoderFuzzTest}.
 */
class FrameDecoderFuzzTest {
  static final int MAX_FRAME_BYTES = 4096;
  static final int MAX_CHUNK_BYTES = 8192;
  static final int MAX_CUTS = 32;

  record Frame(int id, int flags, String body) {}

  /** What one decoding pass saw: frames in order, the failure reason if any, bytes left over. */
  record Outcome(List<Frame> frames, String failure, int leftover) {}

  @FuzzTest(maxDuration = "60s")
  void decoderOnlyFailsWithFrameException(FuzzedDataProvider data) {
    int cuts = data.consumeInt(0, MAX_CUTS);
    int[] sizes = new int[cuts];
    for (int i = 0; i < cuts; i++) {
      sizes[i] = data.consumeInt(0, MAX_CHUNK_BYTES);
    }
    byte[] stream = data.consumeRemainingAsBytes();
    Outcome whole = decode(stream, new int[0]);
    Outcome chunked = decode(stream, sizes);
    assertThat(chunked).as("decoding in chunks vs. whole").isEqualTo(whole);
  }

  /** Decodes {@code stream} cut after each of {@code sizes} bytes, the rest as the last chunk. */
  static Outcome decode(byte[] stream, int[] sizes) {
    UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
    List<Frame> frames = new ArrayList<>();
    String failure = null;
    FrameDecoder decoder = new FrameDecoder(alloc, MAX_FRAME_BYTES);
    int wireFrame = FrameFormat.LENGTH_FIELD_BYTES + MAX_FRAME_BYTES;
    int pos = 0;
    int cut = 0;
    do {
      int n =
          cut < sizes.length ? Math.min(sizes[cut++], stream.length - pos) : stream.length - pos;
      ByteBuf chunk = alloc.heapBuffer(n);
      chunk.writeBytes(stream, pos, n);
      pos += n;
      decoder.feed(chunk);
      assertThat(decoder.bufferedBytes()).isLessThanOrEqualTo(wireFrame + n);
      try {
        while (decoder.next()) {
          assertThat(failure).as("a frame after the decoder failed").isNull();
          frames.add(
              new Frame(
                  decoder.packetId(),
                  decoder.flags(),
                  Hex.format(ByteBufUtil.getBytes(decoder.body()))));
        }
      } catch (FrameException e) {
        assertThat(failure).as("a second failure").isNull();
        assertThat(e.reason()).isNotNull();
        failure = e.reason();
        assertThat(decoder.bufferedBytes()).isZero();
      }
      assertThat(decoder.bufferedBytes()).isLessThan(wireFrame);
    } while (pos < stream.length);
    int leftover = decoder.bufferedBytes();
    decoder.close();
    assertThat(alloc.metric().usedHeapMemory()).as("heap bytes still allocated").isZero();
    assertThat(alloc.metric().usedDirectMemory()).as("direct bytes still allocated").isZero();
    return new Outcome(frames, failure, leftover);
  }
}
