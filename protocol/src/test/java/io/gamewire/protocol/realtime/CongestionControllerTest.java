package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.realtime.CongestionController.Quality;
import io.gamewire.testkit.FakeClock;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** PyGaSe's good/bad send-rate switch, driven by a fake clock. */
class CongestionControllerTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;
  private static final long GOOD_INTERVAL = S / 40;
  private static final long BAD_INTERVAL = S / 20;

  private final FakeClock clock = new FakeClock();
  private final long start = clock.nanos();
  private final CongestionController c = new CongestionController(start);

  /** Feeds 2 s round trips until PyGaSe's latency is above 0.25 s. */
  private void makeLatencyBad() {
    while (c.rtt().pygaseLatencySeconds() <= 0.25) {
      c.onPacketAcked(clock.nanos(), 100, 2 * S);
    }
  }

  /** Feeds 1 ms round trips until PyGaSe's latency is below 0.25 s. */
  private void makeLatencyGood() {
    while (c.rtt().pygaseLatencySeconds() >= 0.25) {
      c.onPacketAcked(clock.nanos(), 100, MS);
    }
  }

  /** Moves the clock to {@code start + millis} in 100 ms steps, calling update at every step. */
  private void runTo(long millis) {
    while (clock.nanos() < start + millis * MS) {
      c.update(clock.advanceMillis(100));
    }
  }

  @Test
  void startsGoodAt40Hz() {
    assertThat(c.quality()).isEqualTo(Quality.GOOD);
    assertThat(c.sendIntervalNanos()).isEqualTo(GOOD_INTERVAL);
    assertThat(c.throttleNanos()).isEqualTo(S);
    assertThat(c.nextUpdateNanos()).isEqualTo(start + 500 * MS);
    runTo(2000);
    assertThat(c.quality()).isEqualTo(Quality.GOOD);
    assertThat(c.sendIntervalNanos()).isEqualTo(GOOD_INTERVAL);
  }

  @Test
  void latencyAboveThresholdThrottlesTo20HzAndTheGoodRateReturnsAfterTheThrottleTime() {
    runTo(2100);
    makeLatencyBad();
    runTo(2400); // checks happen on the 0.5 s cadence only
    assertThat(c.quality()).isEqualTo(Quality.GOOD);
    assertThat(c.sendIntervalNanos()).isEqualTo(GOOD_INTERVAL);

    runTo(2500);
    assertThat(c.quality()).isEqualTo(Quality.BAD);
    assertThat(c.sendIntervalNanos()).isEqualTo(BAD_INTERVAL);
    assertThat(c.throttleNanos()).isEqualTo(S); // the last change (start) was 2.5 s ago

    runTo(2600);
    makeLatencyGood();
    runTo(2900);
    assertThat(c.quality()).isEqualTo(Quality.BAD);

    runTo(3000); // quality recovers at once, the rate does not
    assertThat(c.quality()).isEqualTo(Quality.GOOD);
    assertThat(c.sendIntervalNanos()).isEqualTo(BAD_INTERVAL);

    runTo(4000); // exactly one throttle time of good quality: not yet (PyGaSe wants more than it)
    assertThat(c.sendIntervalNanos()).isEqualTo(BAD_INTERVAL);

    runTo(4500);
    assertThat(c.sendIntervalNanos()).isEqualTo(GOOD_INTERVAL);
    assertThat(c.throttleNanos()).isEqualTo(S); // halved, but not below 1 s
  }

  @Test
  void dropsWithinTheThrottleTimeDoubleItUpTo60sAndGoodPeriodsHalveItBackTo1s() {
    runTo(2000);
    List<Long> throttles = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      makeLatencyBad();
      runTo(2500 + i * 1000L);
      assertThat(c.quality()).isEqualTo(Quality.BAD);
      throttles.add(c.throttleNanos() / MS);
      makeLatencyGood();
      runTo(3000 + i * 1000L);
      assertThat(c.quality()).isEqualTo(Quality.GOOD);
      assertThat(c.sendIntervalNanos()).isEqualTo(BAD_INTERVAL);
    }
    // The first drop comes long after the start; each later one 0.5 s after recovering.
    assertThat(throttles)
        .containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 32000L, 60000L, 60000L);

    // Good from start + 10 s on: the rate returns after more than 60 s, then every further
    // throttle time of good quality halves the throttle time again.
    long goodSince = 10_000;
    List<long[]> changes = new ArrayList<>();
    long last = c.throttleNanos();
    while (clock.nanos() < start + (goodSince + 200_000) * MS) {
      c.update(clock.advanceMillis(100));
      if (c.throttleNanos() != last) {
        last = c.throttleNanos();
        changes.add(new long[] {(clock.nanos() - start) / MS - goodSince, last / MS});
        assertThat(c.sendIntervalNanos()).isEqualTo(GOOD_INTERVAL);
      } else if (changes.isEmpty()) {
        assertThat(c.sendIntervalNanos()).isEqualTo(BAD_INTERVAL);
      }
    }
    assertThat(changes)
        .extracting(ch -> ch[0] + "ms:" + ch[1])
        .containsExactly(
            "60500ms:30000",
            "91000ms:15000",
            "106500ms:7500",
            "114500ms:3750",
            "118500ms:1875",
            "120500ms:1000");
    assertThat(c.quality()).isEqualTo(Quality.GOOD);
  }

  @Test
  void aDropWithinTheFirstThrottleTimeDoublesItAsPygaseDoes() {
    // PyGaSe starts the "last quality change" clock at connection start.
    makeLatencyBad();
    runTo(500);
    assertThat(c.quality()).isEqualTo(Quality.BAD);
    assertThat(c.throttleNanos()).isEqualTo(2 * S);
  }

  @Test
  void ratesThresholdAndCadenceAreConfigurable() {
    CongestionConfig cfg =
        CongestionConfig.builder()
            .sendRatesHz(60, 30)
            .latencyThresholdNanos(100 * MS)
            .checkIntervalNanos(200 * MS)
            .throttleNanos(2 * S, 8 * S)
            .build();
    CongestionController cc = new CongestionController(cfg, 0);
    assertThat(cc.sendIntervalNanos()).isEqualTo(Math.round(1e9 / 60));
    while (cc.rtt().pygaseLatencySeconds() <= 0.1) {
      cc.onPacketAcked(0, 100, 500 * MS);
    }
    cc.update(199 * MS);
    assertThat(cc.quality()).isEqualTo(Quality.GOOD);
    cc.update(200 * MS);
    assertThat(cc.quality()).isEqualTo(Quality.BAD);
    assertThat(cc.sendIntervalNanos()).isEqualTo(Math.round(1e9 / 30));
    assertThat(cc.throttleNanos()).isEqualTo(4 * S); // 0.2 s after start < 2 s
  }

  @Test
  void aLateUpdateRestartsTheCadenceFromNow() {
    c.update(start + 1700 * MS);
    assertThat(c.nextUpdateNanos()).isEqualTo(start + 2200 * MS);
    c.update(start + 2200 * MS);
    assertThat(c.nextUpdateNanos()).isEqualTo(start + 2700 * MS);
  }

  @Test
  void configRejectsNonsense() {
    assertThatThrownBy(() -> CongestionConfig.builder().sendRatesHz(20, 40).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("badSendRateHz");
    assertThatThrownBy(
            () -> CongestionConfig.builder().budgetBytesPerSecond(100_000, 50_000, 200_000).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CongestionConfig.builder().lossReduction(1.0).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(CongestionConfig.defaults().toBuilder().build())
        .isEqualTo(CongestionConfig.defaults());
  }

  @Property(tries = 50)
  void qualityNeverChangesBetweenChecks(@ForAll @IntRange(min = 1, max = 499) int offsetMillis) {
    CongestionController cc = new CongestionController(0);
    cc.update(500 * MS);
    while (cc.rtt().pygaseLatencySeconds() <= 0.25) {
      cc.onPacketAcked(0, 100, 2 * S);
    }
    cc.update(500 * MS + offsetMillis * MS);
    assertThat(cc.quality()).isEqualTo(Quality.GOOD);
    cc.update(S);
    assertThat(cc.quality()).isEqualTo(Quality.BAD);
  }
}
