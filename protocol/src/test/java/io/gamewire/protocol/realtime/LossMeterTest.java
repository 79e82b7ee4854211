package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class LossMeterTest {
  @Test
  void reportsLostOverAckedPlusLost() {
    LossMeter m = new LossMeter();
    assertThat(m.lossFraction()).isZero();
    for (int i = 0; i < 100; i++) {
      if (i % 5 == 0) {
        m.onLost();
      } else {
        m.onAcked();
      }
    }
    assertThat(m.lossFraction()).isCloseTo(0.2, within(1e-12));
    assertThat(m.totalLost()).isEqualTo(20);
    assertThat(m.totalAcked()).isEqualTo(80);
  }

  @Test
  void forgetsOutcomesOlderThanTheWindow() {
    LossMeter m = new LossMeter(64);
    for (int i = 0; i < 64; i++) {
      m.onLost();
    }
    assertThat(m.lossFraction()).isEqualTo(1.0);
    for (int i = 0; i < 64; i++) {
      m.onAcked();
    }
    assertThat(m.lossFraction()).isZero();
    assertThat(m.windowCount()).isEqualTo(64);
    assertThat(m.totalLost()).isEqualTo(64);
  }

  @Property(tries = 200)
  void matchesAStraightCountOfTheLastWindowOutcomes(@ForAll long seed) {
    Random rnd = new Random(seed);
    LossMeter m = new LossMeter(128);
    List<Boolean> outcomes = new ArrayList<>();
    int n = rnd.nextInt(600);
    for (int i = 0; i < n; i++) {
      boolean lost = rnd.nextInt(4) == 0;
      outcomes.add(lost);
      if (lost) {
        m.onLost();
      } else {
        m.onAcked();
      }
      List<Boolean> last = outcomes.subList(Math.max(0, outcomes.size() - 128), outcomes.size());
      long lostCount = last.stream().filter(b -> b).count();
      assertThat(m.lossFraction())
          .as("seed %d, step %d", seed, i)
          .isEqualTo((double) lostCount / last.size());
    }
  }

  @Test
  void rejectsWindowsThatAreNotPowersOfTwo() {
    assertThatThrownBy(() -> new LossMeter(100)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LossMeter(32)).isInstanceOf(IllegalArgumentException.class);
  }
}
