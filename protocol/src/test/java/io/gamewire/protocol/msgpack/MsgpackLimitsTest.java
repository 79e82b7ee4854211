package io.gamewire.protocol.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MsgpackLimitsTest {

  @Test
  void defaultAllowsOneMebibyteStringsAndDepth32() {
    assertThat(MsgpackLimits.DEFAULT)
        .isEqualTo(new MsgpackLimits(1 << 20, 1 << 20, 1 << 16, 1 << 16, 32));
  }

  @Test
  void rejectsNonPositiveLimitNamingIt() {
    assertThatThrownBy(() -> new MsgpackLimits(0, 1, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxStringBytes");
    assertThatThrownBy(() -> new MsgpackLimits(1, -1, 1, 1, 1))
        .hasMessageContaining("maxBinaryBytes");
    assertThatThrownBy(() -> new MsgpackLimits(1, 1, 0, 1, 1))
        .hasMessageContaining("maxArrayLength");
    assertThatThrownBy(() -> new MsgpackLimits(1, 1, 1, 0, 1)).hasMessageContaining("maxMapSize");
    assertThatThrownBy(() -> new MsgpackLimits(1, 1, 1, 1, 0)).hasMessageContaining("maxDepth");
  }
}
