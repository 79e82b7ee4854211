package io.gamewire.protocol.msgpack;

import static io.gamewire.protocol.msgpack.WireBytes.bytes;
import static io.gamewire.protocol.msgpack.WireBytes.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile and broken input: every case must end in MalformedMessageException and nothing else. */
class MsgpackReaderBoundsTest {

  private static final MsgpackLimits SMALL = new MsgpackLimits(16, 16, 16, 16, 8);

  /**
   * Limits so loose that only the remaining-bytes check stands between a header and allocation.
   * Surefire runs with -Xmx1g, so allocating a claimed 2 GiB first would end in OutOfMemoryError
   * rather than MalformedMessageException.
   */
  private static final MsgpackLimits UNCAPPED =
      new MsgpackLimits(
          Integer.MAX_VALUE,
          Integer.MAX_VALUE,
          Integer.MAX_VALUE,
          Integer.MAX_VALUE,
          Integer.MAX_VALUE);

  static Stream<Arguments> hostileInputs() {
    return Stream.of(
        arguments(
            "str8 longer than maxStringBytes",
            SMALL,
            bytes("d9 11", repeat('a', 17)),
            "maxStringBytes"),
        arguments(
            "str16 longer than remaining",
            MsgpackLimits.DEFAULT,
            bytes("da 00 64 61 62"),
            "remain"),
        arguments(
            "str32 claiming 0x7fffffff bytes",
            UNCAPPED,
            bytes("db 7f ff ff ff 61 62 63"),
            "remain"),
        arguments(
            "str32 claiming 0xffffffff bytes",
            UNCAPPED,
            bytes("db ff ff ff ff 61 62 63 64 65"),
            "string header"),
        arguments(
            "bin8 longer than maxBinaryBytes",
            SMALL,
            bytes("c4 11", repeat(0, 17)),
            "maxBinaryBytes"),
        arguments(
            "bin32 claiming 0x7fffffff bytes", UNCAPPED, bytes("c6 7f ff ff ff 00"), "remain"),
        arguments(
            "bin32 claiming 0xffffffff bytes",
            UNCAPPED,
            bytes("c6 ff ff ff ff 00"),
            "binary header"),
        arguments(
            "array16 longer than maxArrayLength",
            SMALL,
            bytes("dc 00 11", repeat(0, 17)),
            "maxArrayLength"),
        arguments(
            "array32 claiming 0x7fffffff elements",
            UNCAPPED,
            bytes("dd 7f ff ff ff 01 02"),
            "remain"),
        arguments(
            "array32 claiming 0xffffffff elements",
            UNCAPPED,
            bytes("dd ff ff ff ff 01"),
            "array header"),
        arguments(
            "map16 larger than maxMapSize", SMALL, bytes("de 00 11", repeat(0, 34)), "maxMapSize"),
        arguments(
            "map32 claiming 0x7fffffff entries", UNCAPPED, bytes("df 7f ff ff ff 01 02"), "remain"),
        arguments(
            "map whose entries need more bytes than remain",
            MsgpackLimits.DEFAULT,
            bytes("82 01 02 03"),
            "remain"),
        arguments("truncated map", MsgpackLimits.DEFAULT, bytes("82 a1 61 01 a1 62"), "ends early"),
        arguments(
            "depth bomb of 10000 one-element arrays",
            MsgpackLimits.DEFAULT,
            repeat(0x91, 10_000),
            "maxDepth"),
        arguments(
            "depth bomb of one-entry maps",
            MsgpackLimits.DEFAULT,
            depthBombOfMaps(5_000),
            "maxDepth"),
        arguments(
            "one level deeper than maxDepth", SMALL, bytes(repeat(0x91, 8), "90"), "maxDepth"),
        arguments(
            "lone continuation byte in string", MsgpackLimits.DEFAULT, bytes("a1 80"), "UTF-8"),
        arguments("0xff in string", MsgpackLimits.DEFAULT, bytes("a2 61 ff"), "UTF-8"),
        arguments("overlong encoding of NUL", MsgpackLimits.DEFAULT, bytes("a2 c0 80"), "UTF-8"),
        arguments("UTF-8 encoded surrogate", MsgpackLimits.DEFAULT, bytes("a3 ed a0 80"), "UTF-8"),
        arguments(
            "code point above U+10FFFF", MsgpackLimits.DEFAULT, bytes("a4 f4 90 80 80"), "UTF-8"),
        arguments(
            "string ending inside a UTF-8 sequence",
            MsgpackLimits.DEFAULT,
            bytes("a2 61 e2"),
            "UTF-8"),
        arguments("fixext1", MsgpackLimits.DEFAULT, bytes("d4 01 00"), "extension"),
        arguments("ext8", MsgpackLimits.DEFAULT, bytes("c7 01 05 00"), "extension"),
        arguments(
            "timestamp ext inside an array",
            MsgpackLimits.DEFAULT,
            bytes("91 d6 ff 00 00 00 00"),
            "extension"),
        arguments("reserved byte 0xc1", MsgpackLimits.DEFAULT, bytes("c1"), "0xc1"),
        arguments("empty input", MsgpackLimits.DEFAULT, new byte[0], "ends early"));
  }

  private static byte[] depthBombOfMaps(int levels) {
    byte[] bomb = new byte[levels * 2];
    for (int i = 0; i < levels; i++) {
      bomb[2 * i] = (byte) 0x81;
      bomb[2 * i + 1] = 0x01;
    }
    return bomb;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileInputs")
  void readValueRejectsHostileInput(String name, MsgpackLimits limits, byte[] input, String why) {
    Throwable thrown = catchThrowable(() -> new MsgpackReader(limits).reset(input).readValue());

    assertThat(thrown).isInstanceOf(MalformedMessageException.class).hasMessageContaining(why);
    assertThat(thrown.getMessage()).contains("byte offset");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileInputs")
  void skipValueRejectsHostileStructure(
      String name, MsgpackLimits limits, byte[] input, String why) {
    Throwable thrown = catchThrowable(() -> new MsgpackReader(limits).reset(input).skipValue());

    // skipValue does not decode strings, so it may accept bad UTF-8; it must never throw
    // anything else.
    if (why.equals("UTF-8")) {
      assertThat(thrown).isNull();
    } else {
      assertThat(thrown).isInstanceOf(MalformedMessageException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileInputs")
  void decodeRejectsHostileInput(String name, MsgpackLimits limits, byte[] input, String why) {
    assertThatThrownBy(() -> MsgpackReader.decode(input, limits))
        .isInstanceOf(MalformedMessageException.class);
  }

  static Stream<byte[]> validValues() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("name", "Zoë 🎮");
    map.put(7L, List.of(1L, -1L, 300L, Long.MAX_VALUE, 2.5, true));
    map.put("blob", new byte[] {1, 2, 3});
    map.put("nested", Map.of("k", List.of(List.of(), Map.of())));
    return Stream.of(
        MsgpackWriter.toBytes(map),
        MsgpackWriter.toBytes(List.of("x".repeat(300), new byte[70_000])),
        MsgpackWriter.toBytes(Long.MIN_VALUE),
        MsgpackWriter.toBytes(-0.25),
        bytes("cf 00 00 00 00 00 00 00 01"));
  }

  @ParameterizedTest
  @MethodSource("validValues")
  void rejectsEveryTruncationOfAValidValue(byte[] valid) throws Exception {
    assertThat(MsgpackReader.decode(valid, MsgpackLimits.DEFAULT)).isNotNull();
    MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT);
    for (int length = 0; length < valid.length; length++) {
      int cut = length;
      assertThatThrownBy(() -> reader.reset(valid, 0, cut).readValue())
          .as("readValue of the first %d of %d bytes", cut, valid.length)
          .isInstanceOf(MalformedMessageException.class);
      assertThatThrownBy(() -> reader.reset(valid, 0, cut).skipValue())
          .as("skipValue of the first %d of %d bytes", cut, valid.length)
          .isInstanceOf(MalformedMessageException.class);
    }
  }

  @Test
  void readLongRejectsUint64AboveLongMax() {
    MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT);

    assertThatThrownBy(() -> reader.reset(bytes("cf ff ff ff ff ff ff ff ff")).readLong())
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("byte offset 0")
        .hasMessageContaining("64-bit");
    assertThatThrownBy(
            () -> MsgpackReader.decode(bytes("cf 80 00 00 00 00 00 00 00"), MsgpackLimits.DEFAULT))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void decodeRejectsTrailingBytes() {
    assertThatThrownBy(() -> MsgpackReader.decode(bytes("01 02 03"), MsgpackLimits.DEFAULT))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("2 trailing bytes")
        .hasMessageContaining("byte offset 1");
  }

  @Test
  void readValueRejectsContainerAsMapKeyBeforeReadingIt() {
    assertThatThrownBy(() -> MsgpackReader.decode(bytes("81 91 01 02"), MsgpackLimits.DEFAULT))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("map key at byte offset 1");
    assertThatThrownBy(() -> MsgpackReader.decode(bytes("81 80 02"), MsgpackLimits.DEFAULT))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("keys must be scalars");
  }

  @Test
  void readValueRejectsDuplicateMapKeys() {
    byte[] twice = bytes("82 a1 61 01 a1 61 02");

    assertThatThrownBy(() -> MsgpackReader.decode(twice, MsgpackLimits.DEFAULT))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("duplicate map key at byte offset 4");
  }

  @Test
  void typedReadsRejectTheWrongKindWithOffset() {
    MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT);

    assertThatThrownBy(() -> reader.reset(bytes("a1 61")).readLong())
        .isInstanceOf(MalformedMessageException.class)
        .hasMessage("expected an integer but found a string at byte offset 0");
    assertThatThrownBy(() -> reader.reset(bytes("01")).readString())
        .hasMessage("expected a string but found an integer at byte offset 0");
    assertThatThrownBy(() -> reader.reset(bytes("80")).readArrayHeader())
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> reader.reset(bytes("90")).readMapHeader())
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> reader.reset(bytes("a1 61")).readDouble())
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> reader.reset(bytes("c4 00")).readString())
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> reader.reset(bytes("a0")).readBinary())
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> reader.reset(bytes("c2")).readNil())
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> reader.reset(bytes("c0")).readBoolean())
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void peekKindAtEndOfInputIsMalformed() throws Exception {
    MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT).reset(bytes("01"));
    reader.readLong();

    assertThatThrownBy(reader::peekKind)
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("byte offset 1")
        .hasMessageContaining("ends early");
  }

  @Test
  void offsetsInMessagesCountFromTheStartOfTheSlice() {
    byte[] framed = bytes("ff ff ff 92 01 a1 ff");

    assertThatThrownBy(
            () -> new MsgpackReader(MsgpackLimits.DEFAULT).reset(framed, 3, 4).readValue())
        .hasMessageContaining("string at byte offset 2 is not valid UTF-8");
  }

  @Test
  void readerRecoversAfterMalformedInputOnReset() throws Exception {
    MsgpackReader reader = new MsgpackReader(SMALL);
    assertThatThrownBy(() -> reader.reset(repeat(0x91, 100)).readValue())
        .isInstanceOf(MalformedMessageException.class);

    assertThat(reader.reset(bytes("91 91 a1 61")).readValue()).isEqualTo(List.of(List.of("a")));
  }

  @Test
  void quoteKeepsWireStringsShortAndPrintable() {
    assertThat(MsgpackReader.quote("a\nb")).isEqualTo("'a?b'");
    assertThat(MsgpackReader.quote("x".repeat(100))).hasSize(45).endsWith("...'");
  }
}
