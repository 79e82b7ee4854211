package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FloatQuantumTest {
  @Property(tries = 500)
  void aBoxedMultipleEqualsItsValue(@ForAll @LongRange(min = -300_000, max = 300_000) long n) {
    FloatQuantum q = new FloatQuantum(0.01);
    assertThat(q.boxed(n)).isEqualTo(q.value(n));
    assertThat(q.index(q.boxed(n))).isEqualTo(n);
  }

  @Test
  void quantaOfOneSizeShareTheirBoxesWithinTheRangeOnly() {
    FloatQuantum a = new FloatQuantum(0.01);
    FloatQuantum b = new FloatQuantum(0.01);
    assertThat(a.boxed(12_345)).isSameAs(b.boxed(12_345)).isEqualTo(123.45);
    assertThat(a.boxed(-FloatQuantum.BOX_RANGE)).isSameAs(b.boxed(-FloatQuantum.BOX_RANGE));
    assertThat(a.boxed(FloatQuantum.BOX_RANGE)).isNotSameAs(b.boxed(FloatQuantum.BOX_RANGE));
    assertThat(a.boxed(FloatQuantum.BOX_RANGE)).isEqualTo(b.boxed(FloatQuantum.BOX_RANGE));
    assertThat(new FloatQuantum(0.5).boxed(3)).isEqualTo(1.5).isNotSameAs(a.boxed(150));
  }

  @Test
  void decodersOfTheSameCodecConfigShareTheFloatsTheyRead() throws Exception {
    StateDeltaCodec codec = new StateDeltaCodec(StateCodecConfig.DEFAULT);
    Map<Object, Object> state =
        codec.quantize(StateTree.freeze(Map.of("x", 123.456, "y", -7.5), false));
    io.netty.buffer.ByteBuf delta = io.netty.buffer.Unpooled.buffer();
    codec.encoder().encode(StateTree.EMPTY, state, delta);
    byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(delta);
    Map<Object, Object> one = codec.decoder().decode(bytes, StateTree.EMPTY);
    Map<Object, Object> two =
        new StateDeltaCodec(StateCodecConfig.DEFAULT).decoder().decode(bytes, StateTree.EMPTY);
    assertThat(one).isEqualTo(state);
    assertThat(one.get("x")).isEqualTo(123.46).isSameAs(two.get("x"));
    assertThat(one.get("y")).isSameAs(two.get("y"));
  }
}
