package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SequenceTest {
  @Test
  void wrapsFrom65535ToOneSkippingZero() {
    assertThat(Sequence.next(65535)).isEqualTo(1);
    assertThat(Sequence.next(Sequence.NONE)).isEqualTo(1);
    assertThat(Sequence.add(65534, 3)).isEqualTo(2);
    assertThat(Sequence.add(2, -3)).isEqualTo(65534);
    assertThat(Sequence.isNewer(1, 65535)).isTrue();
    assertThat(Sequence.isNewer(65535, 1)).isFalse();
    assertThat(Sequence.isNewer(5, Sequence.NONE)).isTrue();
    assertThat(Sequence.isNewer(Sequence.NONE, 5)).isFalse();
  }

  @Property
  void exactlyOneOfTwoDistinctNumbersIsNewer(
      @ForAll @IntRange(min = 1, max = 65535) int a,
      @ForAll @IntRange(min = 1, max = 65535) int b) {
    if (a == b) {
      assertThat(Sequence.isNewer(a, b)).isFalse();
    } else if (Sequence.distance(a, b) != Sequence.RING / 2 + 1
        && Sequence.distance(b, a) != Sequence.RING / 2 + 1) {
      assertThat(Sequence.isNewer(a, b)).isNotEqualTo(Sequence.isNewer(b, a));
    }
  }

  @Property
  void addingStepsAcrossTheWrapKeepsOrder(
      @ForAll @IntRange(min = 1, max = 65535) int s,
      @ForAll @IntRange(min = 1, max = 32767) int n) {
    int later = Sequence.add(s, n);
    assertThat(Sequence.isLive(later)).isTrue();
    assertThat(Sequence.isNewer(later, s)).isTrue();
    assertThat(Sequence.distance(later, s)).isEqualTo(n);
    assertThat(Sequence.add(later, -n)).isEqualTo(s);
  }

  @Property
  void nextIsAddOne(@ForAll @IntRange(min = 1, max = 65535) int s) {
    assertThat(Sequence.next(s)).isEqualTo(Sequence.add(s, 1));
  }
}
