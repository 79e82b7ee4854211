package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.gamewire.testkit.ChunkSplits;
import io.gamewire.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameDecoderTest {
  static final int MAX = 1 << 20;

  /** A decoded frame, copied out of the decoder. */
  record Frame(int id, int flags, byte[] body) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Frame f && f.id == id && f.flags == flags && Arrays.equals(f.body, body);
    }

    @Override
    public int hashCode() {
      return id * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
      return "Frame[" + id + ", " + flags + ", " + Hex.format(body) + "]";
    }
  }

  static List<Frame> decodeAll(List<byte[]> chunks, int max) throws FrameException {
    List<Frame> frames = new ArrayList<>();
    try (FrameDecoder d = new FrameDecoder(Pair.ALLOC, max)) {
      for (byte[] c : chunks) {
        d.feed(Unpooled.wrappedBuffer(c));
        while (d.next()) {
          frames.add(new Frame(d.packetId(), d.flags(), ByteBufUtil.getBytes(d.body())));
        }
      }
      assertThat(d.bufferedBytes()).isZero();
    }
    return frames;
  }

  static byte[] encode(int threshold, boolean compress, Object... idAndBody) {
    ByteBuf out = Pair.ALLOC.buffer();
    try (FrameEncoder e = new FrameEncoder(Pair.ALLOC, MAX, compress, threshold, 6)) {
      for (int i = 0; i < idAndBody.length; i += 2) {
        e.encode(out, (Integer) idAndBody[i], PacketCodec.value(), idAndBody[i + 1]);
      }
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  @Test
  void decodesTheCapturedHelloFrame() throws Exception {
    byte[] hello = Hex.parse(PacketConnectionTest.HELLO);
    List<Frame> frames = decodeAll(List.of(hello), MAX);
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0).id()).isEqualTo(PacketIds.HELLO);
    assertThat(frames.get(0).body())
        .isEqualTo(Hex.parse("82 a7 \"version\" a5 \"0.2.0\" ac \"protoversion\" 02"));
  }

  @Test
  void encodesTheCapturedCloseFrame() {
    byte[] bytes = encode(8192, true, PacketIds.CLOSE_CONNECTION, Map.of("reason", "userrequest"));
    assertThat(Hex.format(bytes))
        .isEqualTo(Hex.format(Hex.parse(PacketConnectionTest.CLOSE_USERREQUEST)));
  }

  @Test
  void resultIsIndependentOfChunkBoundaries() throws Exception {
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      big.append("tile").append(i % 17);
    }
    byte[] stream =
        encode(
            1024,
            true,
            64,
            "short",
            65,
            Map.of("map", big.toString()),
            66,
            List.of(1L, 2L, 3L),
            3,
            Map.of());
    List<Frame> whole = decodeAll(ChunkSplits.whole(stream), MAX);
    assertThat(whole).hasSize(4);
    assertThat(whole.get(1).flags()).isEqualTo(FrameFormat.FLAG_COMPRESSED);
    assertThat(decodeAll(ChunkSplits.byteByByte(stream), MAX)).isEqualTo(whole);
    for (long seed = 1; seed <= 50; seed++) {
      assertThat(decodeAll(ChunkSplits.random(stream, seed, 97), MAX))
          .as("random split with seed %d", seed)
          .isEqualTo(whole);
    }
  }

  @Test
  void compressesOnlyBodiesStrictlyLongerThanTheThreshold() throws Exception {
    byte[] atThreshold = MsgpackWriter.toBytes(new byte[95]); // bin8: 2 + 95 = 97 bytes
    assertThat(atThreshold).hasSize(97);
    byte[] notCompressed = encode(97, true, 64, new byte[95]);
    byte[] compressed = encode(96, true, 64, new byte[95]);
    assertThat(decodeAll(List.of(notCompressed), MAX).get(0).flags()).isZero();
    Frame c = decodeAll(List.of(compressed), MAX).get(0);
    assertThat(c.flags()).isEqualTo(FrameFormat.FLAG_COMPRESSED);
    assertThat(c.body()).isEqualTo(atThreshold);
    assertThat(compressed.length).isLessThan(notCompressed.length);
  }

  @Test
  void bodyIsARangeOfTheArrayAndALargeBufferGoesBackOnceEverythingIsConsumed() throws Exception {
    UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
    byte[] stream = Hex.parse("0000000a 00000040 0000 a3616263 00000007 00000041 0000 c3");
    try (FrameDecoder d = new FrameDecoder(alloc, MAX)) {
      d.feed(Unpooled.wrappedBuffer(stream, 0, 13));
      assertThat(d.next()).isFalse();
      assertThat(alloc.metric().usedHeapMemory()).as("a partial frame is held").isPositive();
      d.feed(Unpooled.wrappedBuffer(stream, 13, stream.length - 13));
      assertThat(d.next()).isTrue();
      assertThat(d.packetId()).isEqualTo(64);
      assertThat(Arrays.copyOfRange(d.bodyArray(), d.bodyOffset(), d.bodyOffset() + d.bodyLength()))
          .isEqualTo(Hex.parse("a3616263"));
      assertThat(d.next()).isTrue();
      assertThat(d.packetId()).isEqualTo(65);
      assertThat(d.bodyLength()).isEqualTo(1);
      assertThat(alloc.metric().usedHeapMemory())
          .as("held while the last body is current")
          .isPositive();
      assertThat(d.next()).isFalse();
      assertThat(alloc.metric().usedHeapMemory())
          .as("a small consumed buffer is kept for the next chunk")
          .isBetween(1L, (long) FrameDecoder.KEPT_BUFFER_BYTES);
      assertThatThrownBy(d::bodyArray).isInstanceOf(IllegalStateException.class);

      byte[] large = new byte[4 * FrameDecoder.KEPT_BUFFER_BYTES];
      ByteBuf frame = Unpooled.buffer().writeInt(6 + large.length).writeInt(66).writeShort(0);
      d.feed(frame.writeBytes(large));
      assertThat(d.next()).isTrue();
      assertThat(d.bodyLength()).isEqualTo(large.length);
      assertThat(d.next()).isFalse();
      assertThat(alloc.metric().usedHeapMemory()).as("a large consumed buffer goes back").isZero();
    }
    assertThat(alloc.metric().usedHeapMemory()).as("close releases everything").isZero();
  }

  @ParameterizedTest
  @ValueSource(longs = {MAX + 1L, 0xffffffffL, 0x80000000L})
  void rejectsLengthAboveMaximumBeforeReadingTheBody(long length) {
    ByteBuf b = Unpooled.buffer().writeInt((int) length).writeInt(64).writeShort(0);
    FrameDecoder d = new FrameDecoder(Pair.ALLOC, MAX);
    d.feed(b);
    assertThatThrownBy(d::next)
        .isInstanceOf(FrameException.class)
        .satisfies(e -> assertThat(((FrameException) e).reason()).isEqualTo("frametoolarge"));
    // the decoder stays failed and drops further input
    d.feed(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    assertThat(d.bufferedBytes()).isZero();
    d.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 5})
  void rejectsLengthShorterThanHeader(int length) {
    FrameDecoder d = new FrameDecoder(Pair.ALLOC, MAX);
    d.feed(Unpooled.buffer().writeInt(length).writeZero(8));
    assertThatThrownBy(d::next)
        .isInstanceOf(FrameException.class)
        .extracting(e -> ((FrameException) e).reason())
        .isEqualTo("malformedframe");
    d.close();
  }

  @Test
  void rejectsDecompressionBombAtTheMaximumFrameLength() throws Exception {
    byte[] zeros = new byte[8 * 1024 * 1024];
    Deflater def = new Deflater(9);
    def.setInput(zeros);
    def.finish();
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    while (!def.finished()) {
      z.write(buf, 0, def.deflate(buf));
    }
    def.end();
    byte[] body = z.toByteArray();
    assertThat(body.length).isLessThan(16 * 1024);
    ByteBuf frame =
        Unpooled.buffer().writeInt(6 + body.length).writeInt(64).writeShort(1).writeBytes(body);
    FrameDecoder d = new FrameDecoder(Pair.ALLOC, 64 * 1024);
    d.feed(frame);
    assertThatThrownBy(d::next)
        .isInstanceOf(FrameException.class)
        .extracting(e -> ((FrameException) e).reason())
        .isEqualTo("decompressedtoolarge");
    d.close();
  }

  @Test
  void rejectsInvalidAndTruncatedZlib() {
    for (String body : List.of("00 01 02 03", "78 9c 4b")) {
      byte[] b = Hex.parse(body);
      FrameDecoder d = new FrameDecoder(Pair.ALLOC, MAX);
      d.feed(Unpooled.buffer().writeInt(6 + b.length).writeInt(64).writeShort(1).writeBytes(b));
      assertThatThrownBy(d::next)
          .isInstanceOf(FrameException.class)
          .extracting(e -> ((FrameException) e).reason())
          .isEqualTo("decompressionfailed");
      d.close();
    }
  }

  @Test
  void rejectsTheAesFlag() {
    FrameDecoder d = new FrameDecoder(Pair.ALLOC, MAX);
    d.feed(Unpooled.wrappedBuffer(Hex.parse("00000007 00000040 0002 c0")));
    assertThatThrownBy(d::next)
        .isInstanceOf(FrameException.class)
        .extracting(e -> ((FrameException) e).reason())
        .isEqualTo("encryptionunsupported");
    d.close();
  }

  @Test
  void refusesToEncodeAFrameOverTheMaximum() {
    ByteBuf out = Pair.ALLOC.buffer();
    try (FrameEncoder e = new FrameEncoder(Pair.ALLOC, 100, false, 8192, 6)) {
      out.writeByte(7);
      assertThatThrownBy(() -> e.encode(out, 64, PacketCodec.value(), new byte[200]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("over the maximum of 100");
      assertThat(out.readableBytes()).isEqualTo(1);
    } finally {
      out.release();
    }
  }

  @Property(tries = 200)
  void encodeThenDecodeGivesTheSameFrames(
      @ForAll @Size(max = 8) List<@IntRange(min = 64, max = 100000) Integer> ids,
      @ForAll @Size(max = 3000) byte[] payload,
      @ForAll @IntRange(min = 0, max = 2000) int threshold,
      @ForAll boolean compress,
      @ForAll long seed)
      throws Exception {
    Object[] idAndBody = new Object[ids.size() * 2];
    for (int i = 0; i < ids.size(); i++) {
      idAndBody[2 * i] = ids.get(i);
      idAndBody[2 * i + 1] = Arrays.copyOf(payload, Math.min(payload.length, i * 400));
    }
    byte[] stream = encode(threshold, compress, idAndBody);
    List<Frame> frames = decodeAll(ChunkSplits.random(stream, seed, 300), MAX);
    assertThat(frames).hasSize(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      assertThat(frames.get(i).id()).isEqualTo(ids.get(i));
      assertThat(frames.get(i).body()).isEqualTo(MsgpackWriter.toBytes(idAndBody[2 * i + 1]));
    }
  }
}
