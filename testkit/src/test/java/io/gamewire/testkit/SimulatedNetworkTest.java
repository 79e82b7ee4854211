package io.gamewire.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SeedReporter.class)
class SimulatedNetworkTest {
  private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 1000);
  private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 2000);
  private static final InetSocketAddress C = new InetSocketAddress("::1", 3000);
  private static final long MS = 1_000_000L;

  private final FakeClock clock = new FakeClock();

  private static byte[] numbered(int i, int size) {
    byte[] b = new byte[Math.max(4, size)];
    ByteBuffer.wrap(b).putInt(i);
    return b;
  }

  private static int number(byte[] b) {
    return ByteBuffer.wrap(b).getInt();
  }

  /** Sends {@code n} datagrams A→B, one every {@code gapMillis}, and collects what arrives. */
  private List<Delivery> sendAndCollect(SimulatedNetwork net, int n, long gapMillis, int size) {
    List<Delivery> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      net.send(A, B, numbered(i, size));
      clock.advanceMillis(gapMillis);
      drainInto(net, out);
    }
    while (net.nextArrivalNanos() != Long.MAX_VALUE) {
      clock.advanceTo(net.nextArrivalNanos());
      drainInto(net, out);
    }
    return out;
  }

  private static void drainInto(SimulatedNetwork net, List<Delivery> out) {
    Delivery d;
    while ((d = net.pollArrival()) != null) {
      out.add(d);
    }
  }

  private static LinkConditions rough() {
    return LinkConditions.ideal()
        .withLatency(Duration.ofMillis(30))
        .withJitter(Duration.ofMillis(10))
        .withLoss(0.2)
        .withDuplication(0.1)
        .withReorder(0.1, Duration.ofMillis(40));
  }

  private static List<String> trace(List<Delivery> ds) {
    List<String> t = new ArrayList<>();
    for (Delivery d : ds) {
      t.add(number(d.bytes()) + "@" + d.arrivalNanos() + "/" + d.sentAtNanos());
    }
    return t;
  }

  @Test
  void sameSeedAndCallsGiveIdenticalDeliveriesAndStats() {
    List<List<String>> traces = new ArrayList<>();
    List<LinkStats> stats = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      FakeClock c = new FakeClock();
      SimulatedNetwork net = new SimulatedNetwork(c, 12345).setDefaultConditions(rough());
      List<Delivery> out = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        net.send(A, B, numbered(i, 100));
        c.advanceMillis(2);
        drainInto(net, out);
      }
      c.advanceMillis(1000);
      drainInto(net, out);
      traces.add(trace(out));
      stats.add(net.stats(A, B));
    }
    assertThat(traces.get(1)).isEqualTo(traces.get(0));
    assertThat(stats.get(1)).isEqualTo(stats.get(0));
  }

  @Test
  void differentSeedsGiveDifferentFates() {
    SimulatedNetwork one = new SimulatedNetwork(new FakeClock(), 1).setDefaultConditions(rough());
    SimulatedNetwork two = new SimulatedNetwork(new FakeClock(), 2).setDefaultConditions(rough());
    for (int i = 0; i < 200; i++) {
      one.send(A, B, numbered(i, 10));
      two.send(A, B, numbered(i, 10));
    }
    assertThat(one.stats(A, B)).isNotEqualTo(two.stats(A, B));
    assertThat(one.seed()).isEqualTo(1);
  }

  @Test
  void trafficOnOneLinkDoesNotChangeAnother() {
    LinkConditions lossy = LinkConditions.ideal().withLoss(0.5);
    SimulatedNetwork quiet = new SimulatedNetwork(new FakeClock(), 7).setDefaultConditions(lossy);
    SimulatedNetwork busy = new SimulatedNetwork(new FakeClock(), 7).setDefaultConditions(lossy);
    for (int i = 0; i < 300; i++) {
      quiet.send(A, B, numbered(i, 10));
      busy.send(A, B, numbered(i, 10));
      busy.send(B, A, numbered(i, 10));
      busy.send(A, C, numbered(i, 10));
    }
    assertThat(busy.stats(A, B)).isEqualTo(quiet.stats(A, B));
  }

  @Test
  void lossRateIsCloseToTheConfiguredProbability() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 42).setDefaultConditions(LinkConditions.ideal().withLoss(0.3));
    int n = 20_000;
    List<Delivery> out = sendAndCollect(net, n, 0, 8);
    LinkStats s = net.stats(A, B);
    assertThat(s.sent()).isEqualTo(n);
    assertThat(s.droppedLoss() + s.delivered()).isEqualTo(n);
    assertThat(out).hasSize((int) s.delivered());
    // 0.3 ± 0.02 is more than six standard deviations for 20,000 draws; the seed is fixed anyway.
    assertThat(s.droppedLoss() / (double) n).isBetween(0.28, 0.32);
  }

  @Test
  void noLossAndCertainLossAreExact() {
    SimulatedNetwork none = new SimulatedNetwork(clock, 3);
    SimulatedNetwork all =
        new SimulatedNetwork(clock, 3).setDefaultConditions(LinkConditions.ideal().withLoss(1.0));
    for (int i = 0; i < 1000; i++) {
      none.send(A, B, numbered(i, 8));
      all.send(A, B, numbered(i, 8));
    }
    assertThat(none.stats(A, B).delivered() + none.inFlight()).isEqualTo(1000);
    assertThat(all.stats(A, B).droppedLoss()).isEqualTo(1000);
    assertThat(all.inFlight()).isZero();
  }

  @Test
  void latencyWithJitterStaysWithinBoundsAndUsesTheWholeRange() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 9)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(50))
                    .withJitter(Duration.ofMillis(10)));
    List<Delivery> out = sendAndCollect(net, 2000, 1, 8);
    assertThat(out).hasSize(2000);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Delivery d : out) {
      long delay = d.arrivalNanos() - d.sentAtNanos();
      min = Math.min(min, delay);
      max = Math.max(max, delay);
    }
    assertThat(min).isBetween(40 * MS, 41 * MS);
    assertThat(max).isBetween(59 * MS, 60 * MS);
  }

  @Test
  void fixedLatencyDeliversExactlyOnTimeAndNotBefore() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setConditions(A, B, LinkConditions.ideal().withLatency(Duration.ofMillis(30)));
    long sentAt = clock.nanos();
    net.send(A, B, new byte[] {1, 2, 3});
    net.send(B, A, new byte[] {4});
    assertThat(net.nextArrivalNanos()).isEqualTo(sentAt); // B→A is ideal: due at once
    assertThat(net.pollArrival().to()).isEqualTo(A);
    assertThat(net.nextArrivalNanos()).isEqualTo(sentAt + 30 * MS);
    clock.advanceMillis(29);
    assertThat(net.pollArrival()).isNull();
    clock.advanceMillis(1);
    Delivery d = net.pollArrival();
    assertThat(d.from()).isEqualTo(A);
    assertThat(d.to()).isEqualTo(B);
    assertThat(d.bytes()).containsExactly(1, 2, 3);
    assertThat(d.sentAtNanos()).isEqualTo(sentAt);
    assertThat(d.arrivalNanos()).isEqualTo(sentAt + 30 * MS);
    assertThat(net.nextArrivalNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void sendCopiesTheDatagram() {
    SimulatedNetwork net = new SimulatedNetwork(clock, 1);
    byte[] b = {1, 2};
    net.send(A, B, b);
    b[0] = 9;
    assertThat(net.pollArrival().bytes()).containsExactly(1, 2);
  }

  @Test
  void datagramsDueAtTheSameInstantComeOutInSendOrder() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(5)));
    for (int i = 0; i < 100; i++) {
      net.send(i % 2 == 0 ? A : C, B, numbered(i, 4));
    }
    clock.advanceMillis(5);
    List<Delivery> out = new ArrayList<>();
    drainInto(net, out);
    assertThat(out).extracting(d -> number(d.bytes())).isSorted().hasSize(100);
  }

  @Test
  void duplicationDeliversExtraCopiesAndCountsThem() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 5)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(10))
                    .withJitter(Duration.ofMillis(2))
                    .withDuplication(0.25));
    List<Delivery> out = sendAndCollect(net, 4000, 1, 8);
    LinkStats s = net.stats(A, B);
    assertThat(s.duplicated()).isBetween(900L, 1100L);
    assertThat(out).hasSize(4000 + (int) s.duplicated());
    Set<Integer> distinct = new HashSet<>();
    for (Delivery d : out) {
      distinct.add(number(d.bytes()));
    }
    assertThat(distinct).hasSize(4000);
    assertThat(net.stats(A, B).dropped()).isZero();
  }

  @Test
  void reorderingHappensAndDeliversOnlyWhatWasSent() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 11)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(20))
                    .withReorder(0.1, Duration.ofMillis(30)));
    List<Delivery> out = sendAndCollect(net, 1000, 5, 8);
    LinkStats s = net.stats(A, B);
    assertThat(out).hasSize(1000);
    assertThat(out).extracting(d -> number(d.bytes())).doesNotHaveDuplicates();
    assertThat(out).allSatisfy(d -> assertThat(number(d.bytes())).isBetween(0, 999));
    assertThat(out).extracting(d -> number(d.bytes())).isNotEqualTo(sortedCopy(out));
    assertThat(s.reorderDelayed()).isBetween(70L, 130L);
    assertThat(s.reordered()).isPositive();
    int outOfOrder = 0;
    int highest = -1;
    for (Delivery d : out) {
      int n = number(d.bytes());
      if (n < highest) {
        outOfOrder++;
      }
      highest = Math.max(highest, n);
    }
    assertThat(s.reordered()).isEqualTo(outOfOrder);
  }

  private static List<Integer> sortedCopy(List<Delivery> out) {
    List<Integer> l = new ArrayList<>();
    for (Delivery d : out) {
      l.add(number(d.bytes()));
    }
    l.sort(null);
    return l;
  }

  @Test
  void withoutJitterOrReorderingOrderIsKept() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 11)
            .setDefaultConditions(
                LinkConditions.ideal().withLatency(Duration.ofMillis(20)).withLoss(0.1));
    List<Delivery> out = sendAndCollect(net, 500, 1, 8);
    assertThat(out).extracting(d -> number(d.bytes())).isSorted();
    assertThat(net.stats(A, B).reordered()).isZero();
  }

  @Test
  void datagramsLargerThanTheMtuAreDroppedAndCounted() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1).setDefaultConditions(LinkConditions.ideal().withMtu(1200));
    net.send(A, B, new byte[1200]);
    net.send(A, B, new byte[1201]);
    net.send(A, B, new byte[9000]);
    List<Delivery> out = new ArrayList<>();
    drainInto(net, out);
    assertThat(out).extracting(d -> d.bytes().length).containsExactly(1200);
    LinkStats s = net.stats(A, B);
    assertThat(s.droppedMtu()).isEqualTo(2);
    assertThat(s.bytesSent()).isEqualTo(1200 + 1201 + 9000);
    assertThat(s.bytesDelivered()).isEqualTo(1200);
  }

  @Test
  void bandwidthCapSpacesDatagramsByTheirTransmissionTime() {
    // 100,000 bytes/s: a 1,000-byte datagram takes 10 ms on the wire.
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(20))
                    .withBandwidth(100_000)
                    .withQueueLimit(100_000));
    long t0 = clock.nanos();
    for (int i = 0; i < 5; i++) {
      net.send(A, B, numbered(i, 1000));
    }
    List<Delivery> out = sendAndCollect(net, 0, 0, 0);
    assertThat(out)
        .extracting(Delivery::arrivalNanos)
        .containsExactly(t0 + 30 * MS, t0 + 40 * MS, t0 + 50 * MS, t0 + 60 * MS, t0 + 70 * MS);
  }

  @Test
  void idleLinkDoesNotBankBandwidth() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setDefaultConditions(LinkConditions.ideal().withBandwidth(100_000));
    net.send(A, B, new byte[1000]);
    clock.advanceMillis(500);
    long t = clock.nanos();
    net.send(A, B, new byte[1000]);
    net.pollArrival();
    assertThat(net.nextArrivalNanos()).isEqualTo(t + 10 * MS);
  }

  @Test
  void fullQueueDropsTheTail() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setDefaultConditions(
                LinkConditions.ideal().withBandwidth(100_000).withQueueLimit(3000));
    for (int i = 0; i < 10; i++) {
      net.send(A, B, numbered(i, 1000));
    }
    LinkStats s = net.stats(A, B);
    assertThat(s.droppedQueue()).isEqualTo(7);
    List<Delivery> out = sendAndCollect(net, 0, 0, 0);
    assertThat(out).extracting(d -> number(d.bytes())).containsExactly(0, 1, 2);
    // Once the queue has drained, the link accepts again.
    net.send(A, B, numbered(10, 1000));
    assertThat(net.stats(A, B).droppedQueue()).isEqualTo(7);
  }

  @Test
  void blackoutDropsWhatIsSentOrWouldArriveDuringIt() {
    long t0 = clock.nanos();
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(10))
                    .withBlackout(t0 + 100 * MS, Duration.ofMillis(100)));
    List<Delivery> out = sendAndCollect(net, 300, 1, 8);
    // Sent at t0+i ms, arriving at t0+i+10 ms: lost if sent in [100, 200) or arriving in it.
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      if (!(i >= 90 && i < 200)) {
        expected.add(i);
      }
    }
    assertThat(out).extracting(d -> number(d.bytes())).isEqualTo(expected);
    assertThat(net.stats(A, B).droppedBlackout()).isEqualTo(110);
  }

  @Test
  void conditionsAreDirectional() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setConditions(A, B, LinkConditions.ideal().withLoss(1.0))
            .setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(7)));
    assertThat(net.conditions(A, B).loss()).isEqualTo(1.0);
    assertThat(net.conditions(B, A).latency()).isEqualTo(Duration.ofMillis(7));
    net.send(A, B, new byte[1]);
    net.send(B, A, new byte[1]);
    assertThat(net.stats(A, B).droppedLoss()).isEqualTo(1);
    assertThat(net.stats(B, A).droppedLoss()).isZero();
    assertThat(net.stats(C, A)).isEqualTo(LinkStats.EMPTY);
  }

  @Test
  void everyCopyIsDeliveredDroppedOrInFlight() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 77)
            .setDefaultConditions(
                rough()
                    .withMtu(500)
                    .withBandwidth(50_000)
                    .withQueueLimit(5_000)
                    .withBlackout(clock.nanos() + 300 * MS, Duration.ofMillis(50)));
    List<Delivery> out = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      net.send(A, B, numbered(i, i % 600));
      net.send(B, A, numbered(i, 100));
      clock.advanceMillis(i % 3);
      drainInto(net, out);
      LinkStats t = net.totalStats();
      assertThat(t.sent() + t.duplicated()).isEqualTo(t.delivered() + t.dropped() + net.inFlight());
    }
    LinkStats t = net.totalStats();
    assertThat(t.droppedLoss()).isPositive();
    assertThat(t.droppedMtu()).isPositive();
    assertThat(t.droppedQueue()).isPositive();
    assertThat(t.droppedBlackout()).isPositive();
    assertThat(t.delivered()).isEqualTo(out.size());
    assertThat(t).isEqualTo(net.stats(A, B).plus(net.stats(B, A)));
  }

  @Test
  void rejectsNonsenseConditions() {
    LinkConditions ideal = LinkConditions.ideal();
    assertThatThrownBy(() -> ideal.withLoss(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ideal.withLoss(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ideal.withLatency(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ideal.withReorder(0.5, Duration.ZERO))
        .hasMessageContaining("withReorder");
    assertThatThrownBy(() -> ideal.withMtu(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ideal.withBandwidth(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LinkConditions.Blackout(10, 5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ideal.withBlackout(0, Duration.ofSeconds(1)).withoutBlackouts()).isEqualTo(ideal);
  }

  @Test
  void seedFromThePropertyIsUsedWhenNoSeedIsGiven() {
    String before = System.getProperty(SeedRegistry.SEED_PROPERTY);
    try {
      System.setProperty(SeedRegistry.SEED_PROPERTY, "0xff");
      assertThat(new SimulatedNetwork(clock).seed()).isEqualTo(255);
      assertThat(new SimulatedNetwork(clock, 5).seed()).isEqualTo(5);
      System.setProperty(SeedRegistry.SEED_PROPERTY, "-17");
      assertThat(new SimulatedNetwork(clock).seed()).isEqualTo(-17);
      System.setProperty(SeedRegistry.SEED_PROPERTY, "banana");
      assertThatThrownBy(() -> new SimulatedNetwork(clock)).hasMessageContaining("gamewire.seed");
    } finally {
      if (before == null) {
        System.clearProperty(SeedRegistry.SEED_PROPERTY);
      } else {
        System.setProperty(SeedRegistry.SEED_PROPERTY, before);
      }
    }
  }
}
