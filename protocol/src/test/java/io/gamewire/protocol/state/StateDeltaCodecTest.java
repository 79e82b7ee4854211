package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateDeltaCodecTest {
  static final StateDeltaCodec EXACT = new StateDeltaCodec(StateCodecConfig.EXACT);
  static final StateDeltaCodec CENTI = new StateDeltaCodec(StateCodecConfig.DEFAULT);

  static Map<Object, Object> tree(Map<?, ?> m) {
    return StateTree.freeze(m, false);
  }

  static byte[] encode(
      StateDeltaCodec.Encoder e, Map<Object, Object> from, Map<Object, Object> to) {
    ByteBuf out = Unpooled.buffer();
    e.encode(from, to, out);
    return ByteBufUtil.getBytes(out);
  }

  @Test
  void receiversShareOneInstanceOfEachKeyAndKeepUsingIt() throws MalformedMessageException {
    Map<Object, Object> v0 =
        tree(Map.of("entities", Map.of(1, Map.of("x", 1.0, "y", 2.0), 2, Map.of("x", 3.0))));
    Map<Object, Object> v1 =
        StateTree.merge(v0, tree(Map.of("entities", Map.of(2, Map.of("y", 4.0)))));
    StateDeltaCodec.Encoder e = EXACT.encoder();
    byte[] full = encode(e, StateTree.EMPTY, v0);
    byte[] delta = encode(e, v0, v1);
    StateDeltaCodec.Decoder first = EXACT.decoder();
    StateDeltaCodec.Decoder second = EXACT.decoder();
    Map<Object, Object> a = first.decode(full, StateTree.EMPTY);
    Map<Object, Object> b = second.decode(full, StateTree.EMPTY);
    Map<Object, Object> b1 = second.decode(delta, b);
    assertThat(b1).isEqualTo(v1);
    Object keyA = ((Map<?, ?>) ((Map<?, ?>) a.get("entities")).get(1L)).keySet().iterator().next();
    Object keyB = ((Map<?, ?>) ((Map<?, ?>) b.get("entities")).get(1L)).keySet().iterator().next();
    assertThat(keyA).isSameAs(keyB);
    // Versions built by later deltas hold the shared instances too.
    for (Object k : ((Map<?, ?>) ((Map<?, ?>) b1.get("entities")).get(2L)).keySet()) {
      assertThat(k).isSameAs(((String) k).intern());
    }
  }

  @Test
  void encodesAnEmptyStateAsOneByte() {
    // delta order 0100 | header 0 0 | no int keys 0 | no string keys 0
    assertThat(ByteBufUtil.hexDump(encode(EXACT.encoder(), StateTree.EMPTY, StateTree.EMPTY)))
        .isEqualTo("40");
  }

  @Test
  void goldenFullStateDefinesItsKeyInline() throws Exception {
    // delta order 0100 | header 0,0 | no int keys 0 | string entry 1, new key "a" (len 0001, 0x61),
    // SET 110,
    // INT 0011, zigzag(1)=2 as 0 0010 | end 0 | pad
    StateDeltaCodec.Encoder e = EXACT.encoder();
    Map<Object, Object> v1 = tree(Map.of("a", 1));
    byte[] bytes = encode(e, StateTree.EMPTY, v1);
    assertThat(ByteBufUtil.hexDump(bytes)).isEqualTo("41161c6200");
    assertThat(e.keyCountAt(v1)).isEqualTo(1);
    assertThat(EXACT.decoder().decode(bytes, StateTree.EMPTY)).isEqualTo(v1);
  }

  @Test
  void goldenIntegerDeltaUsesTheKeyId() throws Exception {
    // delta order 0100 | header base 1 (10), 0 new (0) | no int keys 0 | entry 1, id 0 (1 bit),
    // DELTA 01,
    // zigzag(+1)=2 as 0 0010 | end 0 | pad
    StateDeltaCodec.Encoder e = EXACT.encoder();
    StateDeltaCodec.Decoder d = EXACT.decoder();
    Map<Object, Object> v1 = tree(Map.of("a", 1));
    Map<Object, Object> v2 = StateTree.merge(v1, tree(Map.of("a", 2)));
    Map<Object, Object> r1 = d.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    byte[] bytes = encode(e, v1, v2);
    assertThat(ByteBufUtil.hexDump(bytes)).isEqualTo("489100");
    assertThat(d.decode(bytes, r1)).isEqualTo(Map.of("a", 2L));
  }

  @Test
  void goldenQuantizedListDeltaTouchesOnlyTheChangedElement() throws Exception {
    // delta order 0100 | header 10 0 | ints 0 | entry 1, id 0, LIST 10, [0] changed 1 DELTA 0
    // zigzag(+1) 0 0010,
    // [1] same 0 | end 0 | pad
    StateDeltaCodec.Encoder e = CENTI.encoder();
    StateDeltaCodec.Decoder d = CENTI.decoder();
    Map<Object, Object> v1 = tree(Map.of("p", List.of(1.0, 2.0)));
    Map<Object, Object> v2 = tree(Map.of("p", List.of(1.01, 2.0)));
    Map<Object, Object> r1 = d.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    byte[] bytes = encode(e, v1, v2);
    assertThat(ByteBufUtil.hexDump(bytes)).isEqualTo("48a840");
    assertThat(d.decode(bytes, r1)).isEqualTo(Map.of("p", List.of(1.01, 2.0)));
  }

  @Test
  void goldenIntegerKeysAreDeltaCodedInAscendingOrder() throws Exception {
    // delta order 0100 | header 0 0 | int entries: 1, first key 5 as zigzag 10 = 0 1010, SET 110
    // TRUE 0010;
    // 1, gap 7-5-1=1 as 10, SET 110 FALSE 0001; end 0 | no string entries 0 | pad
    Map<Object, Object> v = tree(Map.of(7, false, 5, true));
    byte[] bytes = encode(EXACT.encoder(), StateTree.EMPTY, v);
    assertThat(ByteBufUtil.hexDump(bytes)).isEqualTo("432c5b08");
    assertThat(EXACT.decoder().decode(bytes, StateTree.EMPTY)).isEqualTo(v);
  }

  @Test
  void decodeSharesUntouchedSubtreesAndLeavesTheBaseAlone() throws Exception {
    StateDeltaCodec.Encoder e = CENTI.encoder();
    StateDeltaCodec.Decoder d = CENTI.decoder();
    Map<Object, Object> v1 =
        tree(
            Map.of(
                "map", Map.of("tiles", List.of(1, 2, 3)), "players", Map.of(1, Map.of("x", 1.5))));
    Map<Object, Object> v2 =
        StateTree.merge(v1, tree(Map.of("players", Map.of(1, Map.of("x", 2.5)))));
    Map<Object, Object> r1 = d.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    Map<Object, Object> r2 = d.decode(encode(e, v1, v2), r1);
    assertThat(r2).isEqualTo(v2);
    assertThat(r2.get("map")).isSameAs(r1.get("map"));
    assertThat(r1).isEqualTo(v1);
    assertThatThrownBy(() -> r2.put("x", 1L)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(d.decode(encode(e, v2, v2), r2)).isSameAs(r2);
  }

  @Test
  void skipsUntouchedSubtreesWithoutLookingInside() throws Exception {
    // a subtree that fails on any read: the encoder must pass it by reference
    Map<Object, Object> trap =
        new java.util.AbstractMap<>() {
          @Override
          public java.util.Set<Map.Entry<Object, Object>> entrySet() {
            throw new AssertionError("the encoder looked inside an untouched subtree");
          }
        };
    StateDeltaCodec.Encoder e = EXACT.encoder();
    StateDeltaCodec.Decoder d = EXACT.decoder();
    Map<Object, Object> held =
        d.decode(
            encode(e, StateTree.EMPTY, tree(Map.of("world", Map.of("x", 1), "t", 1))),
            StateTree.EMPTY);
    Map<Object, Object> v1 = new java.util.LinkedHashMap<>();
    v1.put("world", trap);
    v1.put("t", 1L);
    Map<Object, Object> v2 = new java.util.LinkedHashMap<>(v1);
    v2.put("t", 2L);
    Map<Object, Object> got = d.decode(encode(e, v1, v2), held);
    assertThat(got.get("t")).isEqualTo(2L);
    assertThat(got.get("world")).isSameAs(held.get("world"));
  }

  @Test
  void aVersionTheEncoderDoesNotRememberGetsTheWholeKeyTable() throws Exception {
    StateDeltaCodec.Encoder e = EXACT.encoder();
    StateDeltaCodec.Decoder d = EXACT.decoder();
    Map<Object, Object> v1 = tree(Map.of("a", 1, "b", 2));
    Map<Object, Object> r1 = d.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    Map<Object, Object> copy = tree(v1); // equal content, another object
    Map<Object, Object> v2 = tree(Map.of("a", 1, "b", 3));
    assertThat(e.keyCountAt(copy)).isZero();
    byte[] bytes = encode(e, copy, v2);
    assertThat(d.decode(bytes, r1)).isEqualTo(v2);
    assertThat(bytes.length).isGreaterThan(encode(e, v1, v2).length);
  }

  @Test
  void deletesKeysAndReplacesValuesOfAnotherType() throws Exception {
    StateDeltaCodec.Encoder e = EXACT.encoder();
    Map<Object, Object> v1 = tree(Map.of("a", 1, "b", List.of(1, 2), 3, "x"));
    Map<Object, Object> v2 = tree(Map.of("a", "one", "b", List.of(1, 2, 3)));
    StateDeltaCodec.Decoder d = EXACT.decoder();
    Map<Object, Object> r1 = d.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    assertThat(d.decode(encode(e, v1, v2), r1)).isEqualTo(v2);
  }

  @Test
  void exactFloatsTravelAsFloat32WhenThatIsExact() throws Exception {
    StateDeltaCodec.Encoder e = EXACT.encoder();
    Map<Object, Object> v = tree(Map.of(1, 0.5, 2, 0.1, 3, Double.NaN, 4, -0.0));
    byte[] bytes = encode(e, StateTree.EMPTY, v);
    Map<Object, Object> r = EXACT.decoder().decode(bytes, StateTree.EMPTY);
    assertThat(StateTree.deepEquals(r, v)).isTrue();
    // 4 entries: 0.5 and -0.0 as float32, 0.1 as float64, NaN as float32
    assertThat(bytes.length * 8).isLessThan(3 * 32 + 64 + 4 * 16);
  }

  @Test
  void quantizeRoundsFloatsAndIsIdempotent() {
    Map<Object, Object> v = tree(Map.of("p", List.of(1.234, 5.0), "n", Double.NaN, "s", "x"));
    Map<Object, Object> q = CENTI.quantize(v);
    assertThat(q.get("p")).isEqualTo(List.of(1.23, 5.0));
    assertThat(CENTI.quantize(q)).isSameAs(q);
    assertThat(q.get("s")).isSameAs(v.get("s"));
    assertThat(EXACT.quantize(v)).isSameAs(v);
  }

  @Test
  void keysBeyondTheTableTravelInline() throws Exception {
    StateDeltaCodec codec = new StateDeltaCodec(StateCodecConfig.EXACT.withMaxKeys(2));
    StateDeltaCodec.Encoder e = codec.encoder();
    StateDeltaCodec.Decoder d = codec.decoder();
    Map<Object, Object> v1 = tree(Map.of("alpha", 1, "beta", 2, "gamma", 3));
    Map<Object, Object> v2 = tree(Map.of("alpha", 1, "beta", 2, "gamma", 4, "delta", 5));
    Map<Object, Object> r1 = d.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    assertThat(e.keyCount()).isEqualTo(2);
    assertThat(d.keyCount()).isEqualTo(2);
    assertThat(d.decode(encode(e, v1, v2), r1)).isEqualTo(v2);
  }

  @Test
  void aReceiverAtAnOlderVersionLearnsTheKeysItMissed() throws Exception {
    StateDeltaCodec.Encoder e = EXACT.encoder();
    Map<Object, Object> v1 = tree(Map.of("a", 1));
    Map<Object, Object> v2 = StateTree.merge(v1, tree(Map.of("b", 2)));
    Map<Object, Object> v3 = StateTree.merge(v2, tree(Map.of("c", 3)));
    StateDeltaCodec.Decoder slow = EXACT.decoder();
    Map<Object, Object> r1 = slow.decode(encode(e, StateTree.EMPTY, v1), StateTree.EMPTY);
    encode(e, v1, v2); // sent to a receiver that lost it
    assertThat(slow.decode(encode(e, v1, v3), r1)).isEqualTo(v3);
    assertThat(slow.keyCount()).isEqualTo(3);
  }

  @Test
  void rejectsADeltaThatAssumesKeysTheReceiverLacks() {
    StateDeltaCodec.Encoder e = EXACT.encoder();
    Map<Object, Object> v1 = tree(Map.of("a", 1));
    Map<Object, Object> v2 = tree(Map.of("a", 2));
    encode(e, StateTree.EMPTY, v1);
    byte[] bytes = encode(e, v1, v2);
    assertThatThrownBy(() -> EXACT.decoder().decode(bytes, v1))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("known keys");
  }

  @Test
  void rejectsTruncationTrailingBytesAndOpsThatDoNotFitTheState() throws Exception {
    StateDeltaCodec.Encoder e = CENTI.encoder();
    Map<Object, Object> v1 = tree(Map.of("p", List.of(1.0, 2.0), "n", 5));
    byte[] full = encode(e, StateTree.EMPTY, v1);
    StateDeltaCodec.Decoder d = CENTI.decoder();
    for (int cut = 0; cut < full.length; cut++) {
      byte[] part = Arrays.copyOf(full, cut);
      assertThatThrownBy(() -> d.decode(part, StateTree.EMPTY))
          .isInstanceOf(MalformedMessageException.class);
      assertThat(d.keyCount()).isZero();
    }
    byte[] longer = Arrays.copyOf(full, full.length + 1);
    assertThatThrownBy(() -> d.decode(longer, StateTree.EMPTY))
        .hasMessageContaining("after its end");
    Map<Object, Object> r1 = d.decode(full, StateTree.EMPTY);
    byte[] delta = encode(e, v1, tree(Map.of("p", List.of(1.5, 2.0), "n", 6)));
    // the same delta against a state where "p" is not a list and "n" not a number
    assertThatThrownBy(() -> d.decode(delta, tree(Map.of("p", "x", "n", "y"))))
        .isInstanceOf(MalformedMessageException.class);
    assertThat(d.decode(delta, r1)).isEqualTo(Map.of("p", List.of(1.5, 2.0), "n", 6L));
  }

  @Test
  void rejectsStringsLongerThanTheCapBeforeReadingThem() {
    StateDeltaCodec small =
        new StateDeltaCodec(StateCodecConfig.EXACT.withLimits(32, 1000, 8, 1000));
    byte[] bytes = encode(EXACT.encoder(), StateTree.EMPTY, tree(Map.of(1, "123456789")));
    assertThatThrownBy(() -> small.decoder().decode(bytes, StateTree.EMPTY))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("maxStringBytes");
    assertThatThrownBy(
            () ->
                small
                    .encoder()
                    .encode(StateTree.EMPTY, tree(Map.of(1, "123456789")), Unpooled.buffer()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxStringBytes");
  }

  @Test
  void rejectsNestingDeeperThanTheCap() {
    Map<Object, Object> deep = tree(Map.of(1, Map.of(1, Map.of(1, Map.of(1, 1)))));
    byte[] bytes = encode(EXACT.encoder(), StateTree.EMPTY, deep);
    StateDeltaCodec shallow =
        new StateDeltaCodec(StateCodecConfig.EXACT.withLimits(2, 100, 8, 100));
    assertThatThrownBy(() -> shallow.decoder().decode(bytes, StateTree.EMPTY))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("maxDepth");
  }

  @Test
  void rejectsHugeClaimedLengthsWithoutAllocating() {
    // header 0 0 | ints: 1, key 0, SET 110, LIST 1001, the length in order 2 | ...
    assertThatThrownBy(() -> EXACT.decoder().decode(listClaiming(1L << 30), StateTree.EMPTY))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("longer than the bits left");
    assertThatThrownBy(() -> EXACT.decoder().decode(listClaiming(1L << 40), StateTree.EMPTY))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> EXACT.decoder().decode(listClaiming(-8), StateTree.EMPTY))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("out of range");
  }

  private static ByteBuf listClaiming(long length) {
    ByteBuf buf = Unpooled.buffer();
    BitWriter w = new BitWriter().reset(buf);
    w.bits(StateDeltaCodec.K_NUMBER, StateDeltaCodec.DELTA_ORDER_BITS);
    w.varint(0, 0);
    w.varint(0, 0);
    w.bit(true);
    w.signed(0, StateDeltaCodec.K_FIRST_KEY);
    w.bits(StateDeltaCodec.OP_SET, 3);
    w.bits(StateDeltaCodec.TAG_LIST, 4);
    w.varint(length, StateDeltaCodec.K_LIST_LENGTH);
    w.finish();
    return buf;
  }

  @Test
  void callerMistakesFailFastWithAClearMessage() {
    StateDeltaCodec.Encoder e = EXACT.encoder();
    ByteBuf out = Unpooled.buffer();
    assertThatThrownBy(() -> e.encode(StateTree.EMPTY, 3, StateTree.EMPTY, out))
        .hasMessageContaining("fromKeyCount");
    assertThatThrownBy(() -> e.encode(StateTree.EMPTY, Map.of("a", new Object()), out))
        .hasMessageContaining("a state value must be");
    assertThatThrownBy(() -> e.encode(StateTree.EMPTY, Map.of("a", "\ud800"), out))
        .hasMessageContaining("surrogate");
    assertThat(out.writerIndex()).isZero();
  }
}
