package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DeadlineWheelTest {
  static final class N extends DeadlineWheel.Node {
    final int id;

    N(int id) {
      this.id = id;
    }
  }

  private static final long MS = 1_000_000L;

  @Test
  void firesDueNodesOnlyAndReportsTheEarliestDeadline() {
    DeadlineWheel<N> wheel = new DeadlineWheel<>();
    N a = new N(1);
    N b = new N(2);
    long t0 = 5_000 * MS;
    wheel.schedule(a, t0 + 10 * MS);
    wheel.schedule(b, t0 + 3 * MS);
    assertThat(wheel.nextDeadline()).isEqualTo(t0 + 3 * MS);

    List<Integer> fired = new ArrayList<>();
    wheel.expire(t0 + 2 * MS, n -> fired.add(n.id));
    assertThat(fired).isEmpty();
    wheel.expire(t0 + 3 * MS, n -> fired.add(n.id));
    assertThat(fired).containsExactly(2);
    assertThat(wheel.nextDeadline()).isEqualTo(t0 + 10 * MS);
    assertThat(b.isScheduled()).isFalse();
    wheel.expire(t0 + 20 * MS, n -> fired.add(n.id));
    assertThat(fired).containsExactly(2, 1);
    assertThat(wheel.size()).isZero();
    assertThat(wheel.nextDeadline()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aLaterDeadlineIsLazyAndAnEarlierOneMovesTheNode() {
    DeadlineWheel<N> wheel = new DeadlineWheel<>();
    N a = new N(1);
    long t0 = 0;
    wheel.schedule(a, t0 + 5 * MS);
    wheel.schedule(a, t0 + 50 * MS); // later: the node keeps its earlier time
    assertThat(a.deadline()).isEqualTo(t0 + 5 * MS);
    wheel.schedule(a, t0 + 2 * MS); // earlier: moved
    assertThat(wheel.nextDeadline()).isEqualTo(t0 + 2 * MS);
    assertThat(wheel.size()).isEqualTo(1);
    wheel.cancel(a);
    assertThat(wheel.size()).isZero();
    List<Integer> fired = new ArrayList<>();
    wheel.expire(t0 + 100 * MS, n -> fired.add(n.id));
    assertThat(fired).isEmpty();
  }

  @Test
  void deadlinesBeyondTheHorizonAndLongPausesStillFireOnTime() {
    DeadlineWheel<N> wheel = new DeadlineWheel<>();
    N near = new N(1);
    N far = new N(2);
    long t0 = -7_000 * MS; // nanoTime may be negative
    wheel.schedule(near, t0 + MS);
    wheel.schedule(far, t0 + 5_000 * MS); // about 4.7 laps ahead
    List<Integer> fired = new ArrayList<>();
    for (long t = t0; t < t0 + 4_999 * MS; t += 7 * MS) {
      wheel.expire(t, n -> fired.add(n.id));
    }
    assertThat(fired).containsExactly(1);
    wheel.expire(t0 + 60_000 * MS, n -> fired.add(n.id)); // one long pause
    assertThat(fired).containsExactly(1, 2);
  }

  @Test
  void fireMayRescheduleTheNodeItGets() {
    DeadlineWheel<N> wheel = new DeadlineWheel<>();
    N a = new N(1);
    wheel.schedule(a, 10 * MS);
    List<Long> firedAt = new ArrayList<>();
    for (long t = 0; t <= 100 * MS; t += MS / 2) {
      long now = t;
      wheel.expire(
          now,
          n -> {
            firedAt.add(now);
            wheel.schedule(n, now + 10 * MS);
          });
    }
    assertThat(firedAt).hasSize(10);
    for (int i = 0; i < firedAt.size(); i++) {
      assertThat(firedAt.get(i)).isEqualTo((i + 1) * 10 * MS);
    }
  }

  /** Against a model: each expire fires exactly the due nodes; nextDeadline is the minimum. */
  @Property(tries = 300)
  void behavesLikeAMapOfDeadlines(
      @ForAll @LongRange(min = -1L << 40, max = 1L << 40) long start,
      @ForAll @IntRange(min = 1, max = 2000) int steps,
      @ForAll long seed) {
    java.util.Random r = new java.util.Random(seed);
    DeadlineWheel<N> wheel = new DeadlineWheel<>();
    N[] nodes = new N[40];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new N(i);
    }
    Map<Integer, Long> model = new HashMap<>();
    long now = start;
    for (int s = 0; s < steps; s++) {
      N n = nodes[r.nextInt(nodes.length)];
      switch (r.nextInt(4)) {
        case 0, 1 -> {
          long d = now + (long) (r.nextDouble() * r.nextDouble() * 3_000 * MS) - 2 * MS;
          wheel.schedule(n, d);
          model.merge(n.id, d, Math::min);
        }
        case 2 -> {
          wheel.cancel(n);
          model.remove(n.id);
        }
        default -> {
          now += (long) (r.nextDouble() * r.nextDouble() * 50 * MS);
          long t = now;
          Set<Integer> due = new HashSet<>();
          model.forEach(
              (id, d) -> {
                if (d - t <= 0) {
                  due.add(id);
                }
              });
          Set<Integer> fired = new HashSet<>();
          wheel.expire(t, x -> assertThat(fired.add(x.id)).isTrue());
          assertThat(fired).as("seed %d step %d", seed, s).isEqualTo(due);
          due.forEach(model::remove);
        }
      }
      long min = model.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
      assertThat(wheel.nextDeadline()).as("seed %d step %d", seed, s).isEqualTo(min);
      assertThat(wheel.size()).isEqualTo(model.size());
    }
  }
}
