package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FragmenterTest {
  @Test
  void defaultBudgetLeavesRoomForThePacketAndFragmentHeaders() {
    assertThat(Fragmenter.DEFAULT_FRAGMENT_BYTES).isEqualTo(1200 - 17 - 11);
    Fragmenter f = new Fragmenter();
    assertThat(f.maxMessageBytes()).isEqualTo(256 * 1024);
    assertThat(f.fragmentBytes()).isEqualTo(1172);
    assertThat(f.count(256 * 1024)).isEqualTo(224);
  }

  @Test
  void cutsIntoFullFragmentsAndAShorterLastOne() {
    Fragmenter f = new Fragmenter(10_000, 1000);
    assertThat(f.count(2500)).isEqualTo(3);
    assertThat(f.offset(2500, 0)).isZero();
    assertThat(f.length(2500, 0)).isEqualTo(1000);
    assertThat(f.offset(2500, 2)).isEqualTo(2000);
    assertThat(f.length(2500, 2)).isEqualTo(500);
    assertThat(f.count(3000)).isEqualTo(3);
    assertThat(f.length(3000, 2)).isEqualTo(1000);
    assertThat(f.fitsOneFragment(1000)).isTrue();
    assertThat(f.fitsOneFragment(1001)).isFalse();
  }

  @Test
  void anEmptyMessageIsOneEmptyFragment() {
    Fragmenter f = new Fragmenter();
    assertThat(f.count(0)).isEqualTo(1);
    assertThat(f.length(0, 0)).isZero();
  }

  @Test
  void rejectsMessageAboveTheMaximum() {
    Fragmenter f = new Fragmenter(4096, 1000);
    assertThatThrownBy(() -> f.count(4097))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4097")
        .hasMessageContaining("maximum message size");
    assertThatThrownBy(() -> f.count(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> f.length(2500, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> f.offset(2500, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsBudgetsReceiversWouldRefuseOrThatNeedTooManyFragments() {
    assertThatThrownBy(() -> new Fragmenter(4096, Fragmenter.MIN_FRAGMENT_BYTES - 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Fragmenter.fragmentBytesFor(200))
        .isInstanceOf(IllegalArgumentException.class);
    int tooBig = 65_536 * Fragmenter.MIN_FRAGMENT_BYTES;
    assertThatThrownBy(() -> new Fragmenter(tooBig, Fragmenter.MIN_FRAGMENT_BYTES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65535 fragments");
    int largestMax = Fragmenter.MAX_FRAGMENTS * Fragmenter.MIN_FRAGMENT_BYTES;
    Fragmenter largest = new Fragmenter(largestMax, Fragmenter.MIN_FRAGMENT_BYTES);
    assertThat(largest.count(largestMax)).isEqualTo(Fragmenter.MAX_FRAGMENTS);
  }

  @Property
  void slicesTileTheMessageWithOnlyTheLastShort(
      @ForAll @IntRange(min = 1, max = 1 << 20) int max,
      @ForAll @IntRange(min = 256, max = 1 << 16) int budget,
      @ForAll @IntRange(min = 0, max = 1 << 20) int rawSize) {
    Fragmenter f = new Fragmenter(max, budget);
    int size = rawSize % (max + 1);
    int count = f.count(size);
    assertThat(count).isBetween(1, Fragmenter.MAX_FRAGMENTS);
    int next = 0;
    for (int i = 0; i < count; i++) {
      assertThat(f.offset(size, i)).isEqualTo(next);
      int len = f.length(size, i);
      if (i < count - 1) {
        assertThat(len).isEqualTo(budget);
      } else {
        assertThat(len).isBetween(size == 0 ? 0 : 1, budget);
      }
      next += len;
    }
    assertThat(next).isEqualTo(size);
  }
}
