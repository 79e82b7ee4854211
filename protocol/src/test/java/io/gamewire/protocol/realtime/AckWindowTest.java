package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class AckWindowTest {
  @Test
  void aJumpKeepsThePreviousNewestAsReceived() {
    AckWindow w = new AckWindow();
    assertThat(w.record(10)).isTrue();
    assertThat(w.record(13)).isTrue();
    assertThat(w.ack()).isEqualTo(13);
    // 10 is ack-3: bit 29. PyGaSe dropped it here.
    assertThat(w.bitfield()).isEqualTo(1 << 29);
    assertThat(w.contains(10)).isTrue();
    assertThat(w.contains(11)).isFalse();
  }

  @Test
  void usesAll32BitsAndForgetsBeyond() {
    AckWindow w = new AckWindow();
    w.record(100);
    w.record(132); // 100 is ack-32: bit 0
    assertThat(w.bitfield()).isEqualTo(1);
    assertThat(w.contains(100)).isTrue();
    w.record(133); // 100 is now 33 behind: out of the window
    assertThat(w.contains(100)).isFalse();
    assertThat(w.bitfield()).isEqualTo(1 << 31);
    assertThat(w.record(100)).isFalse(); // too old to tell: dropped
  }

  @Test
  void duplicatesAreRecognised() {
    AckWindow w = new AckWindow();
    assertThat(w.record(7)).isTrue();
    assertThat(w.record(7)).isFalse();
    assertThat(w.record(5)).isTrue();
    assertThat(w.record(5)).isFalse();
    assertThat(w.record(0)).isFalse();
  }

  @Test
  void worksAcrossTheWrap() {
    AckWindow w = new AckWindow();
    w.record(65534);
    w.record(65535);
    w.record(2);
    assertThat(w.ack()).isEqualTo(2);
    assertThat(w.contains(65535)).isTrue();
    assertThat(w.contains(65534)).isTrue();
    assertThat(w.contains(1)).isFalse();
    assertThat(w.record(1)).isTrue();
    assertThat(AckWindow.contains(w.ack(), w.bitfield(), 1)).isTrue();
  }

  /** Compares the window against a plain set of received sequences under random arrival orders. */
  @Property(tries = 300)
  void agreesWithASetOfReceivedSequences(
      @ForAll @IntRange(min = 1, max = 65535) int start,
      @ForAll @IntRange(min = 1, max = 400) int count,
      @ForAll long seed) {
    Random random = new Random(seed);
    List<Integer> arrivals = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (random.nextInt(10) < 8) {
        arrivals.add(Sequence.add(start, i));
      }
      if (random.nextInt(20) == 0 && !arrivals.isEmpty()) {
        arrivals.add(arrivals.get(random.nextInt(arrivals.size()))); // a duplicate
      }
    }
    // bounded reordering: shuffle within small blocks
    for (int i = 0; i + 4 <= arrivals.size(); i += 4) {
      Collections.shuffle(arrivals.subList(i, i + 4), random);
    }
    AckWindow w = new AckWindow();
    Set<Integer> seen = new HashSet<>();
    for (int s : arrivals) {
      boolean inWindow =
          w.ack() == Sequence.NONE
              || Sequence.isNewer(s, w.ack())
              || Sequence.distance(w.ack(), s) <= AckWindow.BITS;
      boolean fresh = seen.add(s);
      assertThat(w.record(s)).isEqualTo(fresh && inWindow);
      if (!inWindow) {
        seen.remove(s);
      }
      for (int back = 0; back <= AckWindow.BITS; back++) {
        int q = Sequence.add(w.ack(), -back);
        assertThat(w.contains(q)).as("seq %d", q).isEqualTo(seen.contains(q));
      }
    }
  }
}
