package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random trees and random update sequences through encoder and decoder. Every property is driven by
 * a seed (printed by jqwik on failure), from which {@link RandomTrees} builds the states.
 */
class StateDeltaCodecPropertiesTest {

  static StateDeltaCodec codec(int kind) {
    return switch (kind) {
      case 0 -> new StateDeltaCodec(StateCodecConfig.EXACT);
      case 1 -> new StateDeltaCodec(StateCodecConfig.DEFAULT);
      default -> new StateDeltaCodec(StateCodecConfig.DEFAULT.withMaxKeys(3));
    };
  }

  static byte[] encode(
      StateDeltaCodec.Encoder e, Map<Object, Object> from, Map<Object, Object> to) {
    ByteBuf out = Unpooled.buffer();
    e.encode(from, to, out);
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    return bytes;
  }

  static Map<Object, Object> freeze(Map<Object, Object> m) {
    return StateTree.freeze(m, false);
  }

  @Property(tries = 300)
  void decodingADeltaBetweenTwoRandomStatesGivesTheSecond(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int kind)
      throws MalformedMessageException {
    StateDeltaCodec codec = codec(kind);
    RandomTrees g = new RandomTrees(seed);
    Map<Object, Object> a = codec.quantize(freeze(g.tree(4)));
    Map<Object, Object> b = codec.quantize(freeze(g.tree(4)));
    StateDeltaCodec.Encoder e = codec.encoder();
    StateDeltaCodec.Decoder d = codec.decoder();

    Map<Object, Object> ra = d.decode(encode(e, StateTree.EMPTY, a), StateTree.EMPTY);
    assertThat(StateTree.deepEquals(ra, a)).as("full state of seed %d", seed).isTrue();
    Map<Object, Object> rb = d.decode(encode(e, a, b), ra);
    assertThat(StateTree.deepEquals(rb, b)).as("delta of seed %d", seed).isTrue();
    assertThat(StateTree.deepEquals(ra, a)).as("the base is untouched").isTrue();
  }

  @Property(tries = 200)
  void updateSequencesConvergeFromAnyHeldBaseline(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int kind)
      throws MalformedMessageException {
    StateDeltaCodec codec = codec(kind);
    RandomTrees g = new RandomTrees(seed);
    StateDeltaCodec.Encoder e = codec.encoder();
    StateDeltaCodec.Decoder d = codec.decoder();
    List<Map<Object, Object>> server = new ArrayList<>();
    List<Map<Object, Object>> client = new ArrayList<>();
    server.add(StateTree.EMPTY);
    client.add(StateTree.EMPTY);
    Map<Object, Object> current = codec.quantize(freeze(g.tree(4)));
    for (int step = 0; step < 15; step++) {
      // a baseline the client holds: one of the versions it decoded (null = lost)
      int b;
      do {
        b = g.random().nextInt(server.size());
      } while (client.get(b) == null);
      byte[] bytes = encode(e, server.get(b), current);
      server.add(current);
      if (g.random().nextInt(4) == 0) {
        client.add(null); // lost on the way
      } else {
        Map<Object, Object> got = d.decode(bytes, client.get(b));
        assertThat(StateTree.deepEquals(got, current))
            .as("seed %d step %d from %d", seed, step, b)
            .isTrue();
        for (Map.Entry<Object, Object> en : current.entrySet()) {
          Object v = en.getValue();
          if ((v instanceof Map || v instanceof List) && server.get(b).get(en.getKey()) == v) {
            assertThat(got.get(en.getKey()))
                .as("untouched subtree shared, seed %d", seed)
                .isSameAs(client.get(b).get(en.getKey()));
          }
        }
        client.add(got);
      }
      Map<Object, Object> update = StateTree.freeze(g.update(current, 3), true);
      current = codec.quantize(StateTree.merge(current, update));
    }
  }

  @Property(tries = 300)
  void quantizingTwiceChangesNothing(@ForAll long seed) {
    StateDeltaCodec codec = codec(1);
    Map<Object, Object> t = freeze(new RandomTrees(seed).tree(4));
    Map<Object, Object> q = codec.quantize(t);
    assertThat(codec.quantize(q)).isSameAs(q);
    assertThat(StateTree.deepEquals(codec.quantize(q), q)).isTrue();
  }

  @Property(tries = 200)
  void encodingIsDeterministicAndAnUnchangedStateCostsTwoBytesAtMost(@ForAll long seed) {
    StateDeltaCodec codec = codec(1);
    Map<Object, Object> t = codec.quantize(freeze(new RandomTrees(seed).tree(4)));
    assertThat(encode(codec.encoder(), StateTree.EMPTY, t))
        .isEqualTo(encode(codec.encoder(), StateTree.EMPTY, t));
    StateDeltaCodec.Encoder e = codec.encoder();
    encode(e, StateTree.EMPTY, t);
    // a content-equal copy is walked, found unchanged and taken back
    assertThat(encode(e, t, freeze(t)).length).isLessThanOrEqualTo(2);
  }
}
