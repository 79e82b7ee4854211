package io.gamewire.protocol.msgpack;

import static io.gamewire.protocol.msgpack.WireBytes.ascii;
import static io.gamewire.protocol.msgpack.WireBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

  enum Team {
    RED,
    BLUE
  }

  record Vec(float x, float y) {}

  record Player(
      String name,
      boolean ready,
      byte flags,
      short level,
      int score,
      long id,
      float stamina,
      double speed,
      Boolean admin,
      Byte boxedByte,
      Short boxedShort,
      Integer bonus,
      Long boxedLong,
      Float boxedFloat,
      Double boxedDouble,
      byte[] avatar,
      Team team,
      List<String> tags,
      List<List<Integer>> grid,
      Map<String, Vec> waypoints,
      Vec position,
      Object extra) {}

  record Score(int points) {}

  record Named(String name, int points) {}

  record Tagged(String name, Team team) {}

  record Level(byte value) {}

  record Node(String label, Node next) {}

  record Positive(int value) {
    Positive {
      if (value <= 0) {
        throw new IllegalArgumentException("value must be positive");
      }
    }
  }

  private record Secret(String value) {}

  record WithSet(Set<String> names) {}

  record WithOptional(Optional<String> name) {}

  record WithIntKeys(Map<Integer, String> names) {}

  record WithBadNested(Vec ok, WithSet bad) {}

  record Empty() {}

  private static <R extends Record> byte[] encode(Class<R> type, R value) {
    ByteBuf buf = Unpooled.buffer();
    try {
      MsgpackWriter writer = new MsgpackWriter().reset(buf);
      RecordCodec.of(type).write(value, writer);
      writer.flush();
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private static <R extends Record> R decode(Class<R> type, byte[] bytes)
      throws MalformedMessageException {
    MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT).reset(bytes);
    R value = RecordCodec.of(type).read(reader);
    reader.expectEnd();
    return value;
  }

  @Test
  void roundTripsEverySupportedComponentType() throws Exception {
    Map<String, Vec> waypoints = new LinkedHashMap<>();
    waypoints.put("spawn", new Vec(1.5f, -2f));
    waypoints.put("gone", null);
    List<String> tags = new ArrayList<>(List.of("a", "ü"));
    tags.add(null);
    Player player =
        new Player(
            "Zoë",
            true,
            (byte) -7,
            (short) 300,
            -100_000,
            Long.MAX_VALUE,
            0.25f,
            3.75,
            false,
            (byte) 1,
            (short) 2,
            3,
            4L,
            5.5f,
            6.5,
            new byte[] {1, 2, 3},
            Team.BLUE,
            tags,
            List.of(List.of(1, 2), List.of()),
            waypoints,
            new Vec(0f, 1f),
            Map.of("free", List.of(1L, "form")));

    Player read = decode(Player.class, encode(Player.class, player));

    assertThat(read).usingRecursiveComparison().isEqualTo(player);
    assertThat(read.extra()).isEqualTo(Map.of("free", List.of(1L, "form")));
  }

  @Test
  void writesMapKeyedByComponentNameInDeclarationOrder() {
    assertThat(encode(Named.class, new Named("ab", 2)))
        .isEqualTo(bytes("82 a4", ascii("name"), "a2 61 62 a6", ascii("points"), "02"));
  }

  @Test
  void writeValueEncodesRecordsAndEnumsThroughTheCodec() {
    assertThat(MsgpackWriter.toBytes(new Tagged("x", Team.RED)))
        .isEqualTo(bytes("82 a4", ascii("name"), "a1 78 a4", ascii("team"), "a3", ascii("RED")));
  }

  @Test
  void nullReferenceComponentsAreWrittenAsNilAndReadBack() throws Exception {
    Tagged tagged = new Tagged(null, null);

    assertThat(decode(Tagged.class, encode(Tagged.class, tagged))).isEqualTo(tagged);
  }

  @Test
  void skipsUnknownKeysSoNewerPeersCanAddComponents() throws Exception {
    byte[] newer =
        bytes(
            "83 a3",
            ascii("new"),
            "82 a1 61 91 c4 01 00 a1 62 c0",
            "a6",
            ascii("points"),
            "05",
            "a4",
            ascii("name"),
            "a2 68 69");

    assertThat(decode(Named.class, newer)).isEqualTo(new Named("hi", 5));
  }

  @Test
  void readsComponentsInAnyOrder() throws Exception {
    byte[] reordered = bytes("82 a6", ascii("points"), "05 a4", ascii("name"), "a1 78");

    assertThat(decode(Named.class, reordered)).isEqualTo(new Named("x", 5));
  }

  @Test
  void missingReferenceComponentReadsAsNull() throws Exception {
    assertThat(decode(Named.class, bytes("81 a6", ascii("points"), "05")))
        .isEqualTo(new Named(null, 5));
  }

  @Test
  void rejectsMissingPrimitiveComponentNamingIt() {
    assertThatThrownBy(() -> decode(Named.class, bytes("81 a4", ascii("name"), "a1 78")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("Named.points");
  }

  @Test
  void rejectsNilForPrimitiveComponent() {
    assertThatThrownBy(() -> decode(Score.class, bytes("81 a6", ascii("points"), "c0")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("Score.points")
        .hasMessageContaining("nil at byte offset 8");
  }

  @Test
  void rejectsIntegerOutOfRangeForComponentType() {
    assertThatThrownBy(() -> decode(Level.class, bytes("81 a5", ascii("value"), "cd 01 2c")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("Level.value: 300 at byte offset 7 is out of range for byte");
    assertThatThrownBy(
            () ->
                decode(Score.class, bytes("81 a6", ascii("points"), "cf 00 00 00 01 00 00 00 00")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("out of range for int");
  }

  @Test
  void rejectsUnknownEnumName() {
    assertThatThrownBy(
            () ->
                decode(
                    Tagged.class,
                    bytes("82 a4", ascii("name"), "a1 78 a4", ascii("team"), "a5", ascii("GREEN"))))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("Tagged.team: 'GREEN'")
        .hasMessageContaining("not a Team constant");
  }

  @Test
  void rejectsWrongValueKindForComponent() {
    assertThatThrownBy(() -> decode(Score.class, bytes("81 a6", ascii("points"), "a1 35")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("expected an integer but found a string");
  }

  @Test
  void rejectsDuplicateComponentKey() {
    byte[] twice = bytes("82 a6", ascii("points"), "01 a6", ascii("points"), "02");

    assertThatThrownBy(() -> decode(Score.class, twice))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("Score.points appears twice");
  }

  @Test
  void rejectsNonStringKeyAndNonMapInput() {
    assertThatThrownBy(() -> decode(Score.class, bytes("81 01 02")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("not a string");
    assertThatThrownBy(() -> decode(Score.class, bytes("91 01")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("expected a map");
  }

  @Test
  void constructorRejectionBecomesMalformed() {
    assertThatThrownBy(() -> decode(Positive.class, bytes("81 a5", ascii("value"), "00")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("rejected by its constructor")
        .hasMessageContaining("value must be positive");
  }

  @Test
  void handlesPrivateRecords() throws Exception {
    Secret secret = new Secret("psst");

    assertThat(decode(Secret.class, encode(Secret.class, secret))).isEqualTo(secret);
  }

  @Test
  void handlesEmptyRecords() throws Exception {
    assertThat(encode(Empty.class, new Empty())).isEqualTo(bytes("80"));
    assertThat(decode(Empty.class, bytes("81 a1 61 01"))).isEqualTo(new Empty());
  }

  @Test
  void roundTripsRecordThatContainsItself() throws Exception {
    Node chain = new Node("a", new Node("b", new Node("c", null)));

    assertThat(decode(Node.class, encode(Node.class, chain))).isEqualTo(chain);
  }

  @Test
  void selfNestingRecordStopsAtMaxDepth() {
    Node chain = null;
    for (int i = 0; i < 40; i++) {
      chain = new Node("n" + i, chain);
    }
    byte[] deep = encode(Node.class, chain);

    assertThatThrownBy(() -> decode(Node.class, deep))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("maxDepth 32");
  }

  @Test
  void rejectsUnsupportedComponentTypeNamingRecordAndComponent() {
    assertThatThrownBy(() -> RecordCodec.of(WithSet.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(WithSet.class.getName())
        .hasMessageContaining("'names'")
        .hasMessageContaining("java.util.Set<java.lang.String>");
    assertThatThrownBy(() -> RecordCodec.of(WithOptional.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'name'");
    assertThatThrownBy(() -> RecordCodec.of(WithIntKeys.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Map<java.lang.Integer, java.lang.String>");
  }

  @Test
  void reportsUnsupportedTypeInsideNestedRecordWhenDerivingTheOuter() {
    assertThatThrownBy(() -> RecordCodec.of(WithBadNested.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(WithSet.class.getName());
  }

  @Test
  void derivesOncePerClass() {
    assertThat(RecordCodec.of(Named.class)).isSameAs(RecordCodec.of(Named.class));
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void rejectsRecordBaseClass() {
    assertThatThrownBy(() -> RecordCodec.of((Class) Record.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a record");
  }

  @Test
  void writingMapComponentWithNonStringKeyFailsFast() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Map<String, Vec> polluted = (Map) Map.of(1, new Vec(0, 0));
    Player player =
        new Player(
            "x", false, (byte) 0, (short) 0, 0, 0, 0, 0, null, null, null, null, null, null, null,
            null, null, null, null, polluted, null, null);

    assertThatThrownBy(() -> encode(Player.class, player))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Player.waypoints");
  }
}
