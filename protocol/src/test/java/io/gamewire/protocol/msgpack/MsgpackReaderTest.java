package io.gamewire.protocol.msgpack;

import static io.gamewire.protocol.msgpack.WireBytes.ascii;
import static io.gamewire.protocol.msgpack.WireBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading well-formed input; {@link MsgpackReaderBoundsTest} covers hostile input. */
class MsgpackReaderTest {

  private final MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT);

  @Test
  void readsPeng3dnetHelloMapInOrder() throws Exception {
    byte[] hello =
        bytes(
            "82", "a7", ascii("version"), "a5", ascii("0.2.0"), "ac", ascii("protoversion"), "02");

    Object value = MsgpackReader.decode(hello, MsgpackLimits.DEFAULT);

    assertThat(value).isInstanceOf(LinkedHashMap.class);
    @SuppressWarnings("unchecked")
    Map<Object, Object> map = (Map<Object, Object>) value;
    assertThat(map).containsExactly(Map.entry("version", "0.2.0"), Map.entry("protoversion", 2L));
  }

  @Test
  void readsScalarsOneByOne() throws Exception {
    reader.reset(bytes("c0 c3 cc c8 d3 80 00 00 00 00 00 00 00 ca 3f 00 00 00 a2 c3 a9 c4 01 07"));

    assertThat(reader.peekKind()).isEqualTo(ValueKind.NIL);
    reader.readNil();
    assertThat(reader.readBoolean()).isTrue();
    assertThat(reader.readLong()).isEqualTo(200);
    assertThat(reader.readLong()).isEqualTo(Long.MIN_VALUE);
    assertThat(reader.peekKind()).isEqualTo(ValueKind.FLOAT);
    assertThat(reader.readDouble()).isEqualTo(0.5);
    assertThat(reader.readString()).isEqualTo("é");
    assertThat(reader.readBinary()).containsExactly(7);
    reader.expectEnd();
  }

  @Test
  void readDoubleAcceptsIntegersIncludingLargeUnsigned() throws Exception {
    reader.reset(bytes("05 cf ff ff ff ff ff ff ff ff cb 3f e0 00 00 00 00 00 00"));

    assertThat(reader.readDouble()).isEqualTo(5.0);
    assertThat(reader.readDouble()).isEqualTo(18446744073709551615.0);
    assertThat(reader.readDouble()).isEqualTo(0.5);
  }

  @Test
  void readsContainerHeadersAndTracksRemaining() throws Exception {
    reader.reset(bytes("92 81 a1 6b 01 02"));

    assertThat(reader.remaining()).isEqualTo(6);
    assertThat(reader.readArrayHeader()).isEqualTo(2);
    assertThat(reader.readMapHeader()).isEqualTo(1);
    assertThat(reader.readString()).isEqualTo("k");
    assertThat(reader.remaining()).isEqualTo(2);
    assertThat(reader.readLong()).isEqualTo(1);
    assertThat(reader.readLong()).isEqualTo(2);
    assertThat(reader.remaining()).isZero();
  }

  @Test
  void readValueBuildsTreeOfDocumentedTypes() throws Exception {
    reader.reset(bytes("93 c0 82 01 c2 a1 78 90 c4 02 01 02"));

    Object value = reader.readValue();

    assertThat(value).isInstanceOf(java.util.ArrayList.class);
    List<?> list = (List<?>) value;
    assertThat(list.get(0)).isNull();
    assertThat(list.get(1)).isEqualTo(Map.of(1L, false, "x", List.of()));
    assertThat((byte[]) list.get(2)).containsExactly(1, 2);
  }

  @Test
  void readsHeapBufferInPlaceWithoutMovingReaderIndex() throws Exception {
    ByteBuf in = Unpooled.wrappedBuffer(bytes("ff ff 92 01 02 ff"), 2, 3);
    try {
      assertThat(in.hasArray()).isTrue();

      assertThat(reader.reset(in).readValue()).isEqualTo(List.of(1L, 2L));
      reader.expectEnd();
      assertThat(in.readerIndex()).isZero();
      assertThat(in.readableBytes()).isEqualTo(3);
    } finally {
      in.release();
    }
  }

  @Test
  void readsBufferFromItsReaderIndex() throws Exception {
    ByteBuf in = Unpooled.buffer();
    try {
      in.writeBytes(bytes("ee a1 61"));
      in.readByte();

      assertThat(reader.reset(in).readString()).isEqualTo("a");
      assertThat(in.readerIndex()).isEqualTo(1);
    } finally {
      in.release();
    }
  }

  @Test
  void readsDirectBuffer() throws Exception {
    ByteBuf in = Unpooled.directBuffer();
    try {
      in.writeBytes(bytes("92 a1 61 c3"));

      assertThat(reader.reset(in).readValue()).isEqualTo(List.of("a", true));
      assertThat(in.readerIndex()).isZero();
    } finally {
      in.release();
    }
  }

  @Test
  void readsCompositeBufferSpanningComponents() throws Exception {
    CompositeByteBuf in = Unpooled.compositeBuffer();
    try {
      in.addComponent(true, Unpooled.wrappedBuffer(bytes("92 a3 61")));
      in.addComponent(true, Unpooled.directBuffer().writeBytes(bytes("62 63 07")));

      assertThat(reader.reset(in).readValue()).isEqualTo(List.of("abc", 7L));
    } finally {
      in.release();
    }
  }

  @Test
  void readsSliceOfByteArray() throws Exception {
    byte[] framed = bytes("00 00 a2 68 69 00");

    assertThat(reader.reset(framed, 2, 3).readString()).isEqualTo("hi");
    reader.expectEnd();
  }

  @Test
  void resetStartsOverOnNewInput() throws Exception {
    reader.reset(bytes("92 01 02"));
    reader.readArrayHeader();

    reader.reset(bytes("03"));

    assertThat(reader.remaining()).isEqualTo(1);
    assertThat(reader.readLong()).isEqualTo(3);
  }

  @Test
  void reusedReaderKeepsGrownScratchBuffersCorrect() throws Exception {
    String longer = "ü".repeat(300);
    reader.reset(MsgpackWriter.toBytes(longer));
    assertThat(reader.readString()).isEqualTo(longer);

    reader.reset(MsgpackWriter.toBytes("ok"));
    assertThat(reader.readString()).isEqualTo("ok");
  }

  @Test
  void skipValueSkipsNestedValueAndStopsAtTheNext() throws Exception {
    reader.reset(bytes("82 a1 61 92 c4 01 00 cb 00 00 00 00 00 00 00 00 01 80 2a"));

    reader.skipValue();

    assertThat(reader.readLong()).isEqualTo(42);
    reader.expectEnd();
  }

  @Test
  void emptyContainersReadAsEmpty() throws Exception {
    assertThat(MsgpackReader.decode(bytes("90"), MsgpackLimits.DEFAULT)).isEqualTo(List.of());
    assertThat(MsgpackReader.decode(bytes("80"), MsgpackLimits.DEFAULT)).isEqualTo(Map.of());
  }

  @Test
  void acceptsNestingExactlyAtMaxDepth() throws Exception {
    MsgpackLimits limits = new MsgpackLimits(16, 16, 16, 16, 3);
    byte[] depthThree = bytes("91 91 90");

    assertThat(MsgpackReader.decode(depthThree, limits)).isEqualTo(List.of(List.of(List.of())));
    new MsgpackReader(limits).reset(depthThree).skipValue();
  }

  @Test
  void refusesToReadBeforeReset() {
    assertThatThrownBy(() -> new MsgpackReader(MsgpackLimits.DEFAULT).readValue())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void binaryCopiesAreIndependentOfTheInput() throws Exception {
    byte[] input = bytes("c4 02 05 06");
    byte[] read = reader.reset(input).readBinary();

    Arrays.fill(input, (byte) 0);

    assertThat(read).containsExactly(5, 6);
  }
}
