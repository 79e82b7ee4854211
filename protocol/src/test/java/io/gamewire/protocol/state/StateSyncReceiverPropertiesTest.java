package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A receiver that decodes late ({@code offer}, then {@code settle} now and then) against one that
 * decodes every update at once ({@code onUpdate}), fed the same random stream of updates: random
 * versions, bases, duplicates and reordering, some bases already dropped. Both must answer every
 * update alike, and after each settle show the same version.
 */
class StateSyncReceiverPropertiesTest {
  private final NativeStateFormat format = new NativeStateFormat(MsgpackLimits.DEFAULT);

  @Property(tries = 200)
  void decodingLateShowsWhatDecodingAtOnceShows(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int kind)
      throws MalformedMessageException {
    StateDeltaCodec codec = StateDeltaCodecPropertiesTest.codec(kind);
    StateCodecConfig config = codec.config();
    RandomTrees g = new RandomTrees(seed);
    Random random = g.random();
    List<Map<Object, Object>> versions = new ArrayList<>();
    versions.add(StateTree.EMPTY);
    int n = 30;
    for (int t = 1; t <= n; t++) {
      versions.add(codec.quantize(StateTree.freeze(g.tree(3), false)));
    }
    StateDeltaCodec.Encoder encoder = codec.encoder();
    StateSyncReceiver eager = new StateSyncReceiver(config);
    StateSyncReceiver lazy = new StateSyncReceiver(config);

    int next = 1; // the sender's newest version so far
    for (int step = 0; step < 80; step++) {
      // Mostly the next version, sometimes an older one again (a late or duplicated datagram).
      int t =
          random.nextInt(4) > 0 && next <= n ? next++ : 1 + random.nextInt(Math.max(1, next - 1));
      int base = random.nextInt(5) == 0 || t == 1 ? 0 : Math.max(1, t - 1 - random.nextInt(6));
      ByteBuf a = Unpooled.buffer();
      format.writeUpdate(a, base, t, encoder, versions.get(base), versions.get(t));
      ByteBuf b = a.copy();

      StateSyncReceiver.Outcome atOnce = eager.onUpdate(0, a);
      StateSyncReceiver.Outcome late = lazy.offer(0, b);
      assertThat(late)
          .as("seed %d step %d: update %d on %d", seed, step, t, base)
          .isEqualTo(atOnce);
      if (random.nextInt(3) == 0) {
        lazy.settle();
        assertShowSame(seed, step, eager, lazy, versions);
      }
    }
    lazy.settle();
    assertShowSame(seed, -1, eager, lazy, versions);
    assertThat(lazy.decodes()).isLessThanOrEqualTo(eager.decodes());
  }

  private static void assertShowSame(
      long seed,
      int step,
      StateSyncReceiver eager,
      StateSyncReceiver lazy,
      List<Map<Object, Object>> versions) {
    assertThat(lazy.timeOrder()).as("seed %d step %d", seed, step).isEqualTo(eager.timeOrder());
    assertThat(StateTree.deepEquals(lazy.state(), eager.state()))
        .as("seed %d step %d: same state", seed, step)
        .isTrue();
    assertThat(StateTree.deepEquals(lazy.state(), versions.get(lazy.timeOrder())))
        .as("seed %d step %d: the sender's version", seed, step)
        .isTrue();
  }
}
