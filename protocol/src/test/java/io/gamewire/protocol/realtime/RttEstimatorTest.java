package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RttEstimatorTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  @Test
  void firstSampleInitialisesSmoothedRttAndVariance() {
    RttEstimator e = new RttEstimator();
    assertThat(e.hasSamples()).isFalse();
    assertThat(e.retransmitTimeoutNanos()).isEqualTo(RttEstimator.INITIAL_RTO_NANOS);

    assertThat(e.onSample(0, 100 * MS)).isTrue();

    assertThat(e.smoothedNanos()).isEqualTo(100 * MS);
    assertThat(e.varianceNanos()).isEqualTo(50 * MS);
    assertThat(e.retransmitTimeoutNanos()).isEqualTo(300 * MS); // 100 + 4 * 50
    assertThat(e.jitterNanos()).isZero();
  }

  @Test
  void followsRfc6298ForASampleSequence() {
    // Worked by hand with alpha = 1/8, beta = 1/4 (rttvar is updated with the old srtt):
    //   R=100: srtt 100,      rttvar 50
    //   R=120: rttvar 3/4*50 + 1/4*|100-120| = 42.5,  srtt 7/8*100 + 1/8*120 = 102.5
    //   R=80:  rttvar 3/4*42.5 + 1/4*|102.5-80| = 37.5, srtt 7/8*102.5 + 1/8*80 = 99.6875
    RttEstimator e = new RttEstimator();
    e.onSample(0, 100 * MS);
    e.onSample(1, 120 * MS);
    assertThat(e.smoothedNanos()).isEqualTo(102_500_000L);
    assertThat(e.varianceNanos()).isEqualTo(42_500_000L);
    assertThat(e.retransmitTimeoutNanos()).isEqualTo(272_500_000L);

    e.onSample(2, 80 * MS);
    assertThat(e.smoothedNanos()).isEqualTo(99_687_500L);
    assertThat(e.varianceNanos()).isEqualTo(37_500_000L);
    assertThat(e.retransmitTimeoutNanos()).isEqualTo(249_687_500L); // 99.6875 + 4 * 37.5
    assertThat(e.latestNanos()).isEqualTo(80 * MS);
    assertThat(e.sampleCount()).isEqualTo(3);
  }

  @Test
  void jitterIsTheSmoothedDeviationOfConsecutiveSamples() {
    // |120-100| = 20: J = 20/16 = 1.25 ms; |80-120| = 40: J = 1.25 + (40 - 1.25)/16 = 3.671875 ms
    RttEstimator e = new RttEstimator();
    e.onSample(0, 100 * MS);
    e.onSample(1, 120 * MS);
    assertThat(e.jitterNanos()).isEqualTo(1_250_000L);
    e.onSample(2, 80 * MS);
    assertThat(e.jitterNanos()).isEqualTo(3_671_875L);
  }

  @Test
  void pygaseLatencyIsAnExponentialAverageWithWeightOneTenthFromZero() {
    // 0 -> 0.01 -> 0.021 -> 0.0269 seconds
    RttEstimator e = new RttEstimator();
    e.onSample(0, 100 * MS);
    assertThat(e.pygaseLatencySeconds()).isCloseTo(0.01, within(1e-12));
    e.onSample(1, 120 * MS);
    e.onSample(2, 80 * MS);
    assertThat(e.pygaseLatencySeconds()).isCloseTo(0.0269, within(1e-12));
  }

  @Test
  void keepsTheConnectionMinimumAndAWindowedMinimum() {
    RttEstimator e = new RttEstimator(50 * MS, S, 8 * S); // eight 1 s slots
    e.onSample(0, 30 * MS);
    e.onSample(500 * MS, 10 * MS);
    e.onSample(3 * S, 60 * MS);
    assertThat(e.minNanos()).isEqualTo(10 * MS);
    assertThat(e.windowedMinNanos(3 * S)).isEqualTo(10 * MS);

    e.onSample(12 * S, 40 * MS);
    assertThat(e.windowedMinNanos(12 * S)).isEqualTo(40 * MS); // 10 ms and 60 ms have aged out
    assertThat(e.minNanos()).isEqualTo(10 * MS);

    // Nothing in the window at all: fall back to the connection's minimum.
    assertThat(e.windowedMinNanos(40 * S)).isEqualTo(10 * MS);
  }

  @Test
  void aZeroWindowMakesTheWindowedMinimumTheConnectionMinimum() {
    RttEstimator e = new RttEstimator(50 * MS, S, 0);
    e.onSample(0, 10 * MS);
    e.onSample(100 * S, 40 * MS);
    assertThat(e.windowedMinNanos(100 * S)).isEqualTo(10 * MS);
  }

  @Test
  void rejectsNonPositiveAndAbsurdSamples() {
    RttEstimator e = new RttEstimator();
    assertThat(e.onSample(0, 0)).isFalse();
    assertThat(e.onSample(0, -5 * MS)).isFalse();
    assertThat(e.onSample(0, RttEstimator.MAX_SAMPLE_NANOS + 1)).isFalse();
    assertThat(e.hasSamples()).isFalse();

    e.onSample(0, 100 * MS);
    assertThat(e.onSample(1, Long.MAX_VALUE)).isFalse();
    assertThat(e.onSample(1, -1)).isFalse();
    assertThat(e.smoothedNanos()).isEqualTo(100 * MS);
    assertThat(e.minNanos()).isEqualTo(100 * MS);
    assertThat(e.sampleCount()).isEqualTo(1);

    assertThat(e.onSample(2, RttEstimator.MAX_SAMPLE_NANOS)).isTrue();
  }

  @Test
  void retransmitTimeoutIsClampedToFloorAndCeiling() {
    RttEstimator e = new RttEstimator();
    for (int i = 0; i < 50; i++) {
      e.onSample(i, MS); // loopback-like: srtt + 4 rttvar is a few ms
    }
    assertThat(e.retransmitTimeoutNanos()).isEqualTo(RttEstimator.DEFAULT_MIN_RTO_NANOS);

    RttEstimator slow = new RttEstimator();
    slow.onSample(0, 5 * S);
    assertThat(slow.retransmitTimeoutNanos()).isEqualTo(RttEstimator.DEFAULT_MAX_RTO_NANOS);

    RttEstimator custom = new RttEstimator(20 * MS, 3 * S, 0);
    custom.onSample(0, 2 * MS);
    assertThat(custom.retransmitTimeoutNanos()).isEqualTo(20 * MS);
    RttEstimator customSlow = new RttEstimator(20 * MS, 3 * S, 0);
    customSlow.onSample(0, 2 * S); // 2 s + 4 * 1 s
    assertThat(customSlow.retransmitTimeoutNanos()).isEqualTo(3 * S);
  }

  @Test
  void rejectsBadBounds() {
    assertThatThrownBy(() -> new RttEstimator(0, S, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RttEstimator(S, MS, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RttEstimator(MS, S, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aReportedAckDelayComesOutOfTheSampleAndOnTopOfTheTimeout() {
    RttEstimator e = new RttEstimator();
    e.onSample(0, 20 * MS, 0);
    // held 30 ms by the peer: the path still took 20 ms
    assertThat(e.onSample(1, 50 * MS, 30 * MS)).isTrue();
    assertThat(e.smoothedNanos()).isEqualTo(20 * MS);
    assertThat(e.latestNanos()).isEqualTo(20 * MS);
    assertThat(e.minNanos()).isEqualTo(20 * MS);
    assertThat(e.peerAckDelayNanos()).isEqualTo(30 * MS);
    // srtt + 4 rttvar = 20 + 4 * 7.5 = 50, the floor; the peer may hold an ack 30 ms more
    assertThat(e.retransmitTimeoutNanos()).isEqualTo(80 * MS);
  }

  @Test
  void aDelayThatWouldTakeTheSampleBelowTheMinimumIsIgnored() {
    RttEstimator e = new RttEstimator();
    e.onSample(0, 20 * MS, 0);
    e.onSample(1, 30 * MS, 25 * MS); // 5 ms would be below what the path ever showed
    assertThat(e.latestNanos()).isEqualTo(30 * MS);
    assertThat(e.minNanos()).isEqualTo(20 * MS);
  }

  @Test
  void thePeersAckDelayFadesWhenItAcksPromptlyAgain() {
    RttEstimator e = new RttEstimator();
    e.onSample(0, 60 * MS, 40 * MS);
    for (int i = 0; i < 200; i++) {
      e.onSample(i, 20 * MS, 0);
    }
    assertThat(e.peerAckDelayNanos()).isLessThan(2 * MS);
  }
}
