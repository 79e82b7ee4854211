package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.testkit.FakeClock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The send budget and its token bucket, driven by a simulated link and a fake clock. */
class CongestionBudgetTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;
  private static final int DATAGRAM = 1200;
  private static final long SEED = 0x6a3e_5eedL;

  private static final CongestionConfig SIM_CONFIG =
      CongestionConfig.builder().budgetBytesPerSecond(16 * 1024, 256 * 1024, 2_000_000).build();

  /**
   * A greedy sender on a link with a fixed RTT and random loss: every millisecond it delivers the
   * acks and losses that are due (a loss is noticed one RTT after the send), runs the timer, then
   * sends full datagrams for as long as the budget allows. Checks the floor and ceiling each step.
   */
  private static final class Sim {
    final CongestionController c;
    final FakeClock clock = new FakeClock();
    final Random rnd = new Random(SEED);
    final ArrayDeque<long[]> inFlight = new ArrayDeque<>(); // {sentAt, lost}
    final CongestionConfig cfg;
    long rttNanos = 50 * MS;

    Sim(CongestionConfig cfg) {
      this.cfg = cfg;
      this.c = new CongestionController(cfg, clock.nanos());
    }

    void run(long millis, double lossRate) {
      for (long i = 0; i < millis; i++) {
        long now = clock.advanceMillis(1);
        while (!inFlight.isEmpty() && inFlight.peekFirst()[0] + rttNanos <= now) {
          long[] p = inFlight.pollFirst();
          if (p[1] == 1) {
            c.onPacketLost(now, DATAGRAM);
          } else {
            c.onPacketAcked(now, DATAGRAM, now - p[0]);
          }
        }
        c.update(now);
        while (c.canSend(now, DATAGRAM)) {
          c.onPacketSent(now, DATAGRAM);
          inFlight.addLast(new long[] {now, rnd.nextDouble() < lossRate ? 1 : 0});
        }
        assertThat(c.budgetBytesPerSecond())
            .as("seed %x", SEED)
            .isBetween(cfg.minBudgetBytesPerSecond(), cfg.maxBudgetBytesPerSecond());
      }
    }
  }

  @Test
  void lowersTheBudgetUnderLossAndRaisesItBack() {
    Sim sim = new Sim(SIM_CONFIG);
    long initial = SIM_CONFIG.initialBudgetBytesPerSecond();

    sim.run(2_000, 0.0);
    assertThat(sim.c.budgetBytesPerSecond()).isEqualTo(2_000_000); // slow start to the ceiling
    assertThat(sim.c.inSlowStart()).isTrue();

    sim.run(5_000, 0.20);
    long underLoss = sim.c.budgetBytesPerSecond();
    assertThat(underLoss).isLessThan(initial / 2);
    assertThat(sim.c.inSlowStart()).isFalse();
    assertThat(sim.c.lossMeter().lossFraction()).isBetween(0.1, 0.3);

    sim.run(10_000, 0.0);
    assertThat(sim.c.budgetBytesPerSecond())
        .isGreaterThan(underLoss)
        .isGreaterThan(initial)
        .isEqualTo(2_000_000);
    assertThat(sim.c.lossMeter().lossFraction()).isZero();
  }

  @Test
  void sendsRoughlyTheBudgetWorthOfBytes() {
    Sim sim = new Sim(SIM_CONFIG);
    sim.run(2_000, 0.0);
    long before = sim.c.bytesSent();
    sim.run(1_000, 0.0);
    assertThat(sim.c.bytesSent() - before).isBetween(1_900_000L, 2_000_000L + DATAGRAM);
  }

  @Test
  void lossesWithinOneRttAreOneEvent() {
    CongestionController c = new CongestionController(0);
    for (int i = 0; i < 5; i++) {
      c.onPacketAcked(0, 100, 50 * MS);
    }
    long initial = c.budgetBytesPerSecond();
    c.onPacketLost(10 * MS, DATAGRAM);
    c.onPacketLost(20 * MS, DATAGRAM);
    c.onPacketLost(59 * MS, DATAGRAM);
    assertThat(c.budgetBytesPerSecond()).isEqualTo(initial / 2);
    c.onPacketLost(60 * MS, DATAGRAM);
    assertThat(c.budgetBytesPerSecond()).isEqualTo(initial / 4);
  }

  @Test
  void rttGrowthLowersTheBudgetAtMostOncePerRtt() {
    CongestionController c = new CongestionController(0);
    for (int i = 0; i < 10; i++) {
      c.onPacketAcked(0, 100, 20 * MS);
    }
    double budget = c.budgetBytesPerSecond();
    assertThat(budget).isEqualTo(256 * 1024);

    // srtt 20 -> 55 ms crosses 20 * 1.5 + 20 = 50 ms on the first 300 ms sample.
    c.onPacketAcked(10 * MS, 100, 300 * MS);
    assertThat(c.rtt().smoothedNanos()).isEqualTo(55 * MS);
    budget *= 0.85;
    assertThat(c.budgetBytesPerSecond()).isEqualTo((long) budget);
    assertThat(c.inSlowStart()).isFalse();

    for (int i = 0; i < 5; i++) {
      c.onPacketAcked(10 * MS + i, 100, 300 * MS); // same RTT: no second cut
    }
    assertThat(c.budgetBytesPerSecond()).isEqualTo((long) budget);

    c.onPacketAcked(10 * MS + S, 100, 300 * MS); // srtt is well under 1 s
    budget *= 0.85;
    assertThat(c.budgetBytesPerSecond()).isEqualTo((long) budget);
  }

  @Test
  void rttGrowthStopsTheClimbOnASimulatedLink() {
    Sim sim = new Sim(SIM_CONFIG);
    sim.rttNanos = 20 * MS;
    sim.run(1_000, 0.0);
    long before = sim.c.budgetBytesPerSecond();
    sim.rttNanos = 200 * MS; // a queue builds up: every ack now says 200 ms
    sim.run(3_000, 0.0);
    assertThat(sim.c.budgetBytesPerSecond()).isLessThan(before);
    assertThat(sim.c.inSlowStart()).isFalse();
  }

  @Test
  void theFloorHoldsUnderEndlessLoss() {
    CongestionController c = new CongestionController(0);
    for (int i = 0; i < 30; i++) {
      c.onPacketLost(i * 2 * S, DATAGRAM); // no RTT sample: each loss event lasts one RTO (1 s)
    }
    assertThat(c.budgetBytesPerSecond()).isEqualTo(16 * 1024);
    assertThat(c.canSend(60 * S, DATAGRAM)).isTrue(); // a full datagram always fits the bucket
  }

  @Test
  void doesNotGrowWhileApplicationLimited() {
    CongestionController c = new CongestionController(0);
    long now = 0;
    for (int i = 0; i < 2_000; i++) {
      now += 25 * MS; // a 40 Hz game sending 500-byte snapshots: far below the budget
      c.onPacketSent(now, 500);
      c.onPacketAcked(now, 500, 30 * MS);
    }
    assertThat(c.budgetBytesPerSecond()).isEqualTo(256 * 1024);
    assertThat(c.recommendedSnapshotRateHz()).isEqualTo(40.0);
  }

  @Test
  void recommendsALowerSnapshotRateWhenTheBudgetCannotCarryIt() {
    CongestionController c = new CongestionController(0);
    c.onPacketSent(0, 1000);
    for (int i = 0; i < 10; i++) {
      c.onPacketLost(i * 2 * S, 1000);
    }
    assertThat(c.budgetBytesPerSecond()).isEqualTo(16 * 1024);
    assertThat(c.recommendedSnapshotRateHz()).isEqualTo(16.384); // 16 KiB/s at 1000 B each
  }

  @Test
  void nanosUntilSendableIsExact() {
    CongestionController c = new CongestionController(0);
    long now = 0;
    while (c.canSend(now, DATAGRAM)) {
      c.onPacketSent(now, DATAGRAM);
    }
    long wait = c.nanosUntilSendable(now, DATAGRAM);
    assertThat(wait).isPositive();
    assertThat(c.canSend(now + wait - 1, DATAGRAM)).isFalse();
    assertThat(c.canSend(now + wait, DATAGRAM)).isTrue();
    assertThat(c.nanosUntilSendable(now + wait, DATAGRAM)).isZero();
    assertThat(c.nanosUntilSendable(now + wait, 1_000_000)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void forcedSendsPutTheBucketInDebt() {
    CongestionController c = new CongestionController(0);
    for (int i = 0; i < 20; i++) {
      c.onPacketSent(0, DATAGRAM); // 24 000 bytes against a 5 243-byte bucket
    }
    assertThat(c.canSend(0, 1)).isFalse();
    // The bucket held 262 144 B/s * 20 ms = 5 242.88 bytes; refill the debt plus one byte.
    long missingScaled = 24_000 * S - 262_144L * 20 * MS + S;
    assertThat(c.nanosUntilSendable(0, 1)).isEqualTo((missingScaled + 262_143) / 262_144);
  }

  @Test
  void snapshotCarriesTheControllersFigures() {
    CongestionController c = new CongestionController(0);
    c.onPacketSent(0, 300);
    c.onPacketAcked(40 * MS, 300, 40 * MS);
    ConnectionStats s = c.snapshot(900, 3, 7);
    assertThat(s.rttNanos()).isEqualTo(40 * MS);
    assertThat(s.rttVarNanos()).isEqualTo(20 * MS);
    assertThat(s.minRttNanos()).isEqualTo(40 * MS);
    assertThat(s.bytesOut()).isEqualTo(300);
    assertThat(s.packetsOut()).isEqualTo(1);
    assertThat(s.bytesIn()).isEqualTo(900);
    assertThat(s.packetsIn()).isEqualTo(3);
    assertThat(s.messagesPending()).isEqualTo(7);
    assertThat(s.packetLossFraction()).isZero();
    assertThat(s.quality()).isEqualTo(CongestionController.Quality.GOOD);
    assertThat(s.sendIntervalNanos()).isEqualTo(25 * MS);
    assertThat(s.budgetBytesPerSecond()).isEqualTo(256 * 1024);
  }

  /**
   * Whatever the sender tries, the bytes {@code canSend} admits in any interval [t1, t2] stay
   * within {@code budget * (t2 - t1) + bucket capacity}; losses only lower the budget, so the
   * initial budget bounds it.
   */
  @Property(tries = 300)
  void theBucketNeverAdmitsMoreThanBudgetTimesTimePlusBurst(
      @ForAll long seed,
      @ForAll @IntRange(min = 16 * 1024, max = 4_000_000) int initialBudget,
      @ForAll @IntRange(min = 1, max = 100) int burstMillis) {
    CongestionConfig cfg =
        CongestionConfig.builder()
            .budgetBytesPerSecond(16 * 1024, initialBudget, 100_000_000)
            .burstNanos(burstMillis * MS)
            .build();
    Random rnd = new Random(seed);
    long now = rnd.nextLong() >> 4; // any origin, including negative nanoTime values
    CongestionController c = new CongestionController(cfg, now);
    List<long[]> admitted = new ArrayList<>(); // {time, bytes}
    for (int i = 0; i < 400; i++) {
      now += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(20_000_000);
      int bytes = 1 + rnd.nextInt(DATAGRAM);
      if (rnd.nextInt(20) == 0) {
        c.onPacketLost(now, DATAGRAM);
      }
      if (c.canSend(now, bytes)) {
        c.onPacketSent(now, bytes);
        admitted.add(new long[] {now, bytes});
      }
    }
    long capacityScaled = Math.max((long) initialBudget * burstMillis * MS, DATAGRAM * S);
    for (int i = 0; i < admitted.size(); i++) {
      long sum = 0;
      for (int j = i; j < admitted.size(); j++) {
        sum += admitted.get(j)[1];
        long span = admitted.get(j)[0] - admitted.get(i)[0];
        assertThat(sum * S)
            .as("seed %d, sends %d..%d", seed, i, j)
            .isLessThanOrEqualTo((long) initialBudget * span + capacityScaled);
      }
    }
  }
}
