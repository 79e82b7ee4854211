package io.gamewire.protocol.msgpack;

import static io.gamewire.protocol.msgpack.WireBytes.ascii;
import static io.gamewire.protocol.msgpack.WireBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MsgpackWriterTest {

  private final ByteBuf out = Unpooled.buffer();

  @AfterEach
  void release() {
    out.release();
  }

  private byte[] written() {
    return ByteBufUtil.getBytes(out);
  }

  @Test
  void encodesPeng3dnetHelloMapAsGoldenBytes() {
    Map<String, Object> hello = new LinkedHashMap<>();
    hello.put("version", "0.2.0");
    hello.put("protoversion", 2);

    new MsgpackWriter().reset(out).writeValue(hello).flush();

    assertThat(written())
        .isEqualTo(
            bytes(
                "82",
                "a7",
                ascii("version"),
                "a5",
                ascii("0.2.0"),
                "ac",
                ascii("protoversion"),
                "02"));
  }

  @Test
  void float32WriterWritesHalfAsFloat32() {
    new MsgpackWriter(FloatFormat.FLOAT32).reset(out).writeDouble(0.5).flush();

    assertThat(written()).isEqualTo(bytes("ca 3f 00 00 00"));
  }

  @Test
  void defaultWriterWritesHalfAsFloat64() {
    new MsgpackWriter().reset(out).writeDouble(0.5).flush();

    assertThat(written()).isEqualTo(bytes("cb 3f e0 00 00 00 00 00 00"));
  }

  @Test
  void float32WriterAlsoNarrowsFloatAndDoubleValues() {
    new MsgpackWriter(FloatFormat.FLOAT32).reset(out).writeValue(0.5f).writeValue(0.5d).flush();

    assertThat(written()).isEqualTo(bytes("ca 3f 00 00 00 ca 3f 00 00 00"));
  }

  @Test
  void writesIntegersInSmallestFormat() {
    new MsgpackWriter()
        .reset(out)
        .writeLong(0)
        .writeLong(-1)
        .writeLong(200)
        .writeLong(-200)
        .writeLong(Long.MIN_VALUE)
        .flush();

    assertThat(written()).isEqualTo(bytes("00 ff cc c8 d1 ff 38 d3 80 00 00 00 00 00 00 00"));
  }

  @Test
  void writesScalarsAndContainerHeaders() {
    new MsgpackWriter()
        .reset(out)
        .writeNil()
        .writeBoolean(true)
        .writeBoolean(false)
        .writeArrayHeader(2)
        .writeMapHeader(1)
        .writeBinary(new byte[] {9, 8, 7}, 1, 2)
        .writeString("é")
        .flush();

    assertThat(written()).isEqualTo(bytes("c0 c3 c2 92 81 c4 02 08 07 a2 c3 a9"));
  }

  @Test
  void appendsAtTheBuffersWriterIndex() {
    out.writeBytes(bytes("ee ee"));

    new MsgpackWriter().reset(out).writeLong(1).flush();

    assertThat(written()).isEqualTo(bytes("ee ee 01"));
  }

  @Test
  void reusedWriterWritesEachMessageToItsOwnBuffer() {
    MsgpackWriter writer = new MsgpackWriter();
    ByteBuf second = Unpooled.buffer();
    try {
      writer.reset(out).writeString("a").flush();
      writer.reset(second).writeString("b").flush();

      assertThat(written()).isEqualTo(bytes("a1 61"));
      assertThat(ByteBufUtil.getBytes(second)).isEqualTo(bytes("a1 62"));
    } finally {
      second.release();
    }
  }

  @Test
  void resetDiscardsBytesThatWereNeverFlushed() {
    MsgpackWriter writer = new MsgpackWriter();
    writer.reset(out).writeString("lost");

    ByteBuf second = Unpooled.buffer();
    try {
      writer.reset(second).writeLong(7).flush();

      assertThat(out.readableBytes()).isZero();
      assertThat(ByteBufUtil.getBytes(second)).isEqualTo(bytes("07"));
    } finally {
      second.release();
    }
  }

  @Test
  void writesPayloadsLargerThanTheStagingBuffer() throws Exception {
    byte[] big = new byte[100_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    String text = "x".repeat(70_000);

    new MsgpackWriter().reset(out).writeArrayHeader(2).writeBinary(big).writeString(text).flush();

    MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT).reset(out);
    assertThat(reader.readArrayHeader()).isEqualTo(2);
    assertThat(reader.readBinary()).isEqualTo(big);
    assertThat(reader.readString()).isEqualTo(text);
    reader.expectEnd();
  }

  @Test
  void writesEnumsByName() {
    new MsgpackWriter().reset(out).writeValue(Thread.State.NEW).flush();

    assertThat(written()).isEqualTo(bytes("a3", ascii("NEW")));
  }

  @Test
  void writesAnyMapKeysAndNestedLists() throws Exception {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put(1L, List.of("a", 2.5));
    map.put(null, new byte[] {1});

    new MsgpackWriter().reset(out).writeValue(map).flush();

    assertThat(written()).isEqualTo(bytes("82 01 92 a1 61 cb 40 04 00 00 00 00 00 00 c0 c4 01 01"));
  }

  @Test
  void rejectsUnsupportedValueNamingItsClass() {
    MsgpackWriter writer = new MsgpackWriter().reset(out);

    assertThatThrownBy(() -> writer.writeValue(BigInteger.ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.math.BigInteger");
    assertThatThrownBy(() -> writer.writeValue(Set.of(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Set");
  }

  @Test
  void rejectsCyclicListInsteadOfOverflowingTheStack() {
    List<Object> cyclic = new ArrayList<>();
    cyclic.add(cyclic);

    assertThatThrownBy(() -> new MsgpackWriter().reset(out).writeValue(cyclic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cyclic");
  }

  @Test
  void refusesToWriteBeforeReset() {
    assertThatThrownBy(() -> new MsgpackWriter().writeNil())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reset");
  }

  @Test
  void rejectsNegativeHeaderLengths() {
    MsgpackWriter writer = new MsgpackWriter().reset(out);

    assertThatThrownBy(() -> writer.writeArrayHeader(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> writer.writeMapHeader(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toBytesEncodesOneValue() {
    assertThat(MsgpackWriter.toBytes(List.of(1, true))).isEqualTo(bytes("92 01 c3"));
  }

  @Test
  void encodesStringsLikeStringGetBytesIncludingUnpairedSurrogates() {
    java.util.Random random = new java.util.Random(20261123L);
    char[] alphabet = {
      'a', '~', 'é', 'ߐ', 'ࠀ', '€', '\uFFFF', '\uD83D', '\uDE00', '\uDBFF', '\uDC00'
    };
    MsgpackWriter writer = new MsgpackWriter();
    for (int round = 0; round < 2000; round++) {
      int length = random.nextInt(round % 10 == 0 ? 700 : 40);
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < length; i++) {
        text.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String s = text.toString();
      ByteBuf mine = Unpooled.buffer();
      ByteBuf reference = Unpooled.buffer();
      try {
        writer.reset(mine).writeString(s).flush();
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        new MsgpackWriter().reset(reference).writeUtf8String(utf8).flush();
        assertThat(ByteBufUtil.getBytes(mine))
            .as("string %s", s)
            .isEqualTo(ByteBufUtil.getBytes(reference));
      } finally {
        mine.release();
        reference.release();
      }
    }
  }
}
