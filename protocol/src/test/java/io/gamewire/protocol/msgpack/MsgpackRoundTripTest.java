package io.gamewire.protocol.msgpack;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/** Generated value trees and records survive a write and a read unchanged. */
class MsgpackRoundTripTest {

  private final MsgpackWriter writer = new MsgpackWriter();
  private final MsgpackReader reader = new MsgpackReader(MsgpackLimits.DEFAULT);

  @Property
  void readValueInvertsWriteValue(@ForAll("trees") Object tree) throws Exception {
    ByteBuf buf = Unpooled.buffer();
    try {
      writer.reset(buf).writeValue(tree).flush();

      Object read = reader.reset(buf).readValue();

      reader.expectEnd();
      assertThat(normalise(read)).isEqualTo(normalise(tree));
    } finally {
      buf.release();
    }
  }

  @Property
  void decodeInvertsToBytes(@ForAll("trees") Object tree) throws Exception {
    Object read = MsgpackReader.decode(MsgpackWriter.toBytes(tree), MsgpackLimits.DEFAULT);

    assertThat(normalise(read)).isEqualTo(normalise(tree));
  }

  @Property
  void skipValueConsumesExactlyOneValue(@ForAll("trees") Object tree) throws Exception {
    ByteBuf buf = Unpooled.buffer();
    try {
      writer.reset(buf).writeValue(tree).writeLong(42).flush();

      reader.reset(buf).skipValue();

      assertThat(reader.readLong()).isEqualTo(42);
      reader.expectEnd();
    } finally {
      buf.release();
    }
  }

  @Property
  void float32WriterPreservesFloatValues(@ForAll float value) throws Exception {
    ByteBuf buf = Unpooled.buffer();
    try {
      new MsgpackWriter(FloatFormat.FLOAT32).reset(buf).writeDouble(value).flush();

      assertThat(buf.readableBytes()).isEqualTo(5);
      assertThat(reader.reset(buf).readDouble()).isEqualTo((double) value);
    } finally {
      buf.release();
    }
  }

  @Property
  void recordsSurviveRoundTrip(@ForAll("snapshots") Snapshot snapshot) throws Exception {
    ByteBuf buf = Unpooled.buffer();
    try {
      RecordCodec.of(Snapshot.class).write(snapshot, writer.reset(buf));
      writer.flush();

      Snapshot read = RecordCodec.of(Snapshot.class).read(reader.reset(buf));

      reader.expectEnd();
      assertThat(read).usingRecursiveComparison().isEqualTo(snapshot);
    } finally {
      buf.release();
    }
  }

  @Property
  void mutatedEncodingsOnlyEverFailAsMalformed(
      @ForAll("trees") Object tree, @ForAll @Size(min = 1, max = 4) List<Integer> edits) {
    byte[] bytes = MsgpackWriter.toBytes(tree);
    for (int edit : edits) {
      int at = Math.floorMod(edit, bytes.length);
      bytes[at] = (byte) (edit >>> 8);
    }
    MsgpackReaderFuzzTest.readOnlyFailsAsMalformed(bytes);
  }

  @Property
  void arbitraryBytesOnlyEverFailAsMalformed(@ForAll @Size(max = 64) byte[] bytes) {
    MsgpackReaderFuzzTest.readOnlyFailsAsMalformed(bytes);
  }

  // ---------------------------------------------------------------------------------------------

  enum Team {
    RED,
    BLUE
  }

  record Vec(float x, float y) {}

  record Snapshot(
      String name,
      int score,
      long tick,
      byte flags,
      double speed,
      Vec position,
      Team team,
      List<Integer> ids,
      Map<String, List<Double>> stats,
      byte[] avatar,
      Boolean admin,
      Object extra) {}

  @Provide
  Arbitrary<Snapshot> snapshots() {
    Arbitrary<Vec> vecs =
        Combinators.combine(Arbitraries.floats(), Arbitraries.floats()).as(Vec::new);
    Arbitrary<Map<String, List<Double>>> stats =
        Arbitraries.maps(text(), Arbitraries.doubles().list().ofMaxSize(3)).ofMaxSize(3);
    Arbitrary<Tuple.Tuple4<Map<String, List<Double>>, byte[], Boolean, Object>> tail =
        Combinators.combine(
                stats,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(8).injectNull(0.2),
                Arbitraries.of(true, false).injectNull(0.3),
                trees())
            .as(Tuple::of);
    return Combinators.combine(
            text().injectNull(0.1),
            Arbitraries.integers(),
            Arbitraries.longs(),
            Arbitraries.bytes(),
            Arbitraries.doubles(),
            vecs.injectNull(0.2),
            Arbitraries.of(Team.class).injectNull(0.2),
            Arbitraries.integers().injectNull(0.1).list().ofMaxSize(5))
        .flatAs(
            (name, score, tick, flags, speed, position, team, ids) ->
                tail.map(
                    t ->
                        new Snapshot(
                            name, score, tick, flags, speed, position, team, ids, t.get1(),
                            t.get2(), t.get3(), t.get4())));
  }

  @Provide
  Arbitrary<Object> trees() {
    return tree(3);
  }

  private static Arbitrary<Object> tree(int depth) {
    Arbitrary<Object> leaf =
        Arbitraries.oneOf(
                Arbitraries.longs().map(Object.class::cast),
                Arbitraries.doubles().map(Object.class::cast),
                text().map(Object.class::cast),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(12).map(Object.class::cast),
                Arbitraries.of(true, false).map(Object.class::cast))
            .injectNull(0.1);
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Object> child = tree(depth - 1);
    Arbitrary<Object> key =
        Arbitraries.oneOf(
            Arbitraries.longs().map(Object.class::cast),
            text().map(Object.class::cast),
            Arbitraries.of(true, false).map(Object.class::cast));
    Arbitrary<Object> list = child.list().ofMaxSize(4).map(l -> (Object) new ArrayList<>(l));
    Arbitrary<Object> map =
        Arbitraries.maps(key, child).ofMaxSize(4).map(m -> (Object) new LinkedHashMap<>(m));
    return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(1, list), Tuple.of(1, map));
  }

  /** Strings of valid code points: ASCII, the rest of the BMP without surrogates, and beyond. */
  private static Arbitrary<String> text() {
    Arbitrary<Integer> codePoints =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.integers().between(0, 0x7f)),
            Tuple.of(2, Arbitraries.integers().between(0x80, 0xd7ff)),
            Tuple.of(1, Arbitraries.integers().between(0xe000, 0xffff)),
            Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10ffff)));
    return codePoints
        .list()
        .ofMaxSize(40)
        .map(
            cps -> {
              StringBuilder text = new StringBuilder();
              cps.forEach(text::appendCodePoint);
              return text.toString();
            });
  }

  /** byte[] compares by identity; turn it into a value so trees can be compared with equals. */
  private static Object normalise(Object value) {
    if (value instanceof byte[] bytes) {
      return new Binary(HexFormat.of().formatHex(bytes));
    } else if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(element -> out.add(normalise(element)));
      return out;
    } else if (value instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(normalise(k), normalise(v)));
      return out;
    }
    return value;
  }

  private record Binary(String hex) {}
}
