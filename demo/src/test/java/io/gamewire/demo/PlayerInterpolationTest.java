package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Interpolating other players between server snapshots, on fake times. */
class PlayerInterpolationTest {
  static final long MS = 1_000_000L;
  static final long PERIOD = 50 * MS;
  static final long DELAY = 100 * MS;
  static final long LINK = 30 * MS; // the one-way delay of every update unless a test says not

  final PlayerInterpolation interpolation = new PlayerInterpolation(DELAY, PERIOD, 4);

  /** Player 7 walks 1 tile per tick along x from 10; player 8 stands at (3, 4). */
  private void snapshot(long tick, long extraDelay) {
    assertThat(
            interpolation.add(
                tick * PERIOD,
                tick * PERIOD + LINK + extraDelay,
                Map.of(7L, new double[] {10 + tick, 5}, 8L, new double[] {3, 4})))
        .isTrue();
  }

  /** The local time at which server time {@code serverNanos} is drawn. */
  private static long nowFor(long serverNanos) {
    return serverNanos + LINK + DELAY;
  }

  @Test
  void betweenTwoSnapshotsAPlayerIsWhereTheLineBetweenThemSays() {
    for (long tick = 0; tick <= 4; tick++) {
      snapshot(tick, 0);
    }
    Map<Long, double[]> at = interpolation.at(nowFor(2 * PERIOD + 20 * MS)); // 40 % of tick 2..3
    assertThat(at.get(7L)[0]).isCloseTo(12.4, within(1e-9));
    assertThat(at.get(7L)[1]).isEqualTo(5.0);
    assertThat(at.get(8L)).containsExactly(3.0, 4.0);
    assertThat(interpolation.at(nowFor(3 * PERIOD)).get(7L)[0]).isCloseTo(13.0, within(1e-9));
  }

  @Test
  void beforeTheOldestSnapshotItHoldsAndPastTheNewestItExtrapolatesOnePeriodAtMost() {
    for (long tick = 10; tick <= 13; tick++) {
      snapshot(tick, 0);
    }
    // Older than the buffer: the oldest position.
    assertThat(interpolation.at(nowFor(5 * PERIOD)).get(7L)).containsExactly(20.0, 5.0);
    // Half a period past the newest (tick 13 at x = 23): half a tile further.
    assertThat(interpolation.at(nowFor(13 * PERIOD + 25 * MS)).get(7L)[0])
        .isCloseTo(23.5, within(1e-9));
    // Far past it: one period of motion, no more.
    assertThat(interpolation.at(nowFor(13 * PERIOD + 10 * PERIOD)).get(7L)[0])
        .isCloseTo(24.0, within(1e-9));
    assertThat(interpolation.at(nowFor(30 * PERIOD)).get(8L)).containsExactly(3.0, 4.0);
  }

  @Test
  void aPlayerThatLeavesIsDrawnUntilTheRenderTimeReachesTheSnapshotWithoutIt() {
    snapshot(0, 0);
    snapshot(1, 0);
    interpolation.add(2 * PERIOD, 2 * PERIOD + LINK, Map.of(8L, new double[] {3, 4}));
    assertThat(interpolation.at(nowFor(PERIOD + 10 * MS))).containsKeys(7L, 8L);
    assertThat(interpolation.at(nowFor(2 * PERIOD))).containsOnlyKeys(8L);
    assertThat(interpolation.buffered(7L)).isZero();
    // Back under the same id, it starts afresh: no line drawn from where it left.
    interpolation.add(3 * PERIOD, 3 * PERIOD + LINK, Map.of(7L, new double[] {40, 40}));
    assertThat(interpolation.at(nowFor(3 * PERIOD + 40 * MS)).get(7L)).containsExactly(40.0, 40.0);
  }

  @Test
  void oldAndReorderedSnapshotsAreIgnored() {
    snapshot(0, 0);
    snapshot(2, 0);
    assertThat(interpolation.add(PERIOD, PERIOD + LINK, Map.of(7L, new double[] {99, 99})))
        .as("tick 1 after tick 2")
        .isFalse();
    assertThat(interpolation.add(2 * PERIOD, 2 * PERIOD + LINK, Map.of(7L, new double[] {99, 99})))
        .as("tick 2 again")
        .isFalse();
    assertThat(interpolation.buffered(7L)).isEqualTo(2);
    assertThat(interpolation.at(nowFor(PERIOD)).get(7L)[0]).isCloseTo(11.0, within(1e-9));
    assertThat(interpolation.at(nowFor(PERIOD)).get(8L)).containsExactly(3.0, 4.0);
  }

  @Test
  void theBufferIsBounded() {
    for (long tick = 0; tick < 100; tick++) {
      snapshot(tick, 0);
    }
    assertThat(interpolation.buffered(7L)).isEqualTo(4);
    assertThat(interpolation.buffered(8L)).isEqualTo(4);
  }

  @Test
  void lateArrivalsDoNotBendTheMotion() {
    long seed = 42;
    Random random = new Random(seed);
    for (long tick = 0; tick <= 40; tick++) {
      // Jitter up to 40 ms on top of the 30 ms link; tick 0 arrives on time, as some update will.
      snapshot(tick, tick == 0 ? 0 : random.nextInt(40) * MS);
    }
    // The clock mapping follows the least delayed update, so the render timeline is the server's
    // (up to the offset's creep: 40 snapshots × 10 µs = 0.4 ms, 0.008 tiles at this speed).
    for (long ms = 37 * 50; ms <= 40 * 50; ms += 7) { // within the buffer of 4
      assertThat(interpolation.at(nowFor(ms * MS)).get(7L)[0])
          .as("seed %d, server time %d ms", seed, ms)
          .isCloseTo(10 + ms / 50.0, within(0.01));
    }
  }

  @Test
  void nothingAddedNothingDrawnAndBadSettingsFailFast() {
    assertThat(interpolation.at(123)).isEmpty();
    assertThatThrownBy(() -> new PlayerInterpolation(DELAY, PERIOD, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("buffer of 2 or more");
  }
}
