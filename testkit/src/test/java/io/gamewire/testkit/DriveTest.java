package io.gamewire.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SeedReporter.class)
class DriveTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 4000);
  private static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.2", 5000);
  private static final long MS = 1_000_000L;

  private final FakeClock clock = new FakeClock();

  /** Sends every datagram straight back to where it came from. */
  static class Echo implements SimEndpoint {
    private final InetSocketAddress address;
    private final Deque<Outgoing> out = new ArrayDeque<>();
    int received;

    Echo(InetSocketAddress address) {
      this.address = address;
    }

    @Override
    public InetSocketAddress address() {
      return address;
    }

    @Override
    public void handleDatagram(long nowNanos, InetSocketAddress from, byte[] datagram) {
      received++;
      out.add(new Outgoing(from, datagram));
    }

    @Override
    public Outgoing pollDatagram(long nowNanos) {
      return out.poll();
    }

    @Override
    public long nextTimeoutNanos() {
      return Long.MAX_VALUE;
    }

    @Override
    public void handleTimeout(long nowNanos) {}
  }

  /**
   * Pings numbers 0..goal-1 one at a time, resending the current one every {@code retryNanos} until
   * its echo comes back.
   */
  static final class Pinger implements SimEndpoint {
    private final InetSocketAddress address;
    private final InetSocketAddress peer;
    private final int goal;
    private final long retryNanos;
    private final BitSet echoed = new BitSet();
    private int current;
    private boolean sendNow = true;
    private long retryAt = Long.MAX_VALUE;
    int sent;

    Pinger(InetSocketAddress address, InetSocketAddress peer, int goal, long retryNanos) {
      this.address = address;
      this.peer = peer;
      this.goal = goal;
      this.retryNanos = retryNanos;
    }

    boolean done() {
      return current == goal;
    }

    @Override
    public InetSocketAddress address() {
      return address;
    }

    @Override
    public void handleDatagram(long nowNanos, InetSocketAddress from, byte[] datagram) {
      int n = ByteBuffer.wrap(datagram).getInt();
      echoed.set(n);
      if (n == current) {
        current++;
        retryAt = Long.MAX_VALUE;
        sendNow = !done();
      }
    }

    @Override
    public Outgoing pollDatagram(long nowNanos) {
      if (!sendNow) {
        return null;
      }
      sendNow = false;
      retryAt = nowNanos + retryNanos;
      sent++;
      return new Outgoing(peer, ByteBuffer.allocate(4).putInt(current).array());
    }

    @Override
    public long nextTimeoutNanos() {
      return retryAt;
    }

    @Override
    public void handleTimeout(long nowNanos) {
      retryAt = Long.MAX_VALUE;
      sendNow = true;
    }
  }

  @Test
  void pingerGetsEveryEchoUnderThirtyPercentLoss() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 2024)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(25))
                    .withJitter(Duration.ofMillis(5))
                    .withLoss(0.3));
    Echo echo = new Echo(SERVER);
    Pinger pinger = new Pinger(CLIENT, SERVER, 200, 100 * MS);

    Drive.Result r = Drive.until(clock, net, Duration.ofMinutes(5), pinger::done, pinger, echo);

    assertThat(pinger.done()).isTrue();
    assertThat(net.stats(CLIENT, SERVER).droppedLoss()).isPositive();
    assertThat(net.stats(SERVER, CLIENT).droppedLoss()).isPositive();
    assertThat(pinger.sent).isGreaterThan(200);
    // Each round trip takes 40-60 ms of fake time and each retry 100 ms: minutes of fake time
    // pass in a few thousand steps.
    assertThat(r.elapsed()).isGreaterThan(Duration.ofMillis(200 * 40));
    assertThat(r.steps()).isLessThan(10 * pinger.sent + 10L * echo.received);
    assertThat(r.timeJumps()).isPositive();
  }

  @Test
  void jumpsStraightToTheNextEventInsteadOfSpinning() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(30)));
    Echo echo = new Echo(SERVER);
    Pinger pinger = new Pinger(CLIENT, SERVER, 1, Duration.ofSeconds(1).toNanos());

    Drive.Result r = Drive.until(clock, net, Duration.ofSeconds(10), pinger::done, pinger, echo);

    // Ping out (1 action), arrives 30 ms later (jump, deliver, echo out), back 30 ms later (jump,
    // deliver): done after exactly one round trip with two jumps.
    assertThat(r.elapsed()).isEqualTo(Duration.ofMillis(60));
    assertThat(r.timeJumps()).isEqualTo(2);
    assertThat(r.steps()).isEqualTo(4);
    assertThat(r.endNanos()).isEqualTo(clock.nanos());
  }

  @Test
  void retryTimerFiresWhenTheLinkIsDead() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 1)
            .setConditions(CLIENT, SERVER, LinkConditions.ideal().withLoss(1.0));
    Echo echo = new Echo(SERVER);
    Pinger pinger = new Pinger(CLIENT, SERVER, 1, 100 * MS);

    Drive.Result r = Drive.of(clock, net, pinger, echo).runFor(Duration.ofMillis(1050));

    assertThat(pinger.sent).isEqualTo(11); // at 0, 100, ..., 1000 ms
    assertThat(echo.received).isZero();
    assertThat(r.elapsed()).isEqualTo(Duration.ofMillis(1050));
    assertThat(r.timeJumps()).isEqualTo(10); // to 100, ..., 1000 ms; the last move is no jump
  }

  @Test
  void failsWithSeedAndFakeTimeWhenTheGoalIsNotReachedInTime() {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 31337)
            .setConditions(CLIENT, SERVER, LinkConditions.ideal().withLoss(1.0));
    Pinger pinger = new Pinger(CLIENT, SERVER, 1, 100 * MS);
    long start = clock.nanos();

    assertThatThrownBy(() -> Drive.until(clock, net, Duration.ofSeconds(2), pinger::done, pinger))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("goal not reached within PT2S")
        .hasMessageContaining("seed=31337")
        .hasMessageContaining("fake time " + (start + 2_000 * MS) + "ns");
    assertThat(clock.nanos()).isEqualTo(start + 2_000 * MS);
  }

  @Test
  void failsWhenNothingIsLeftToHappen() {
    SimulatedNetwork net = new SimulatedNetwork(clock, 8);
    Echo echo = new Echo(SERVER);
    assertThatThrownBy(() -> Drive.until(clock, net, Duration.ofSeconds(1), () -> false, echo))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("nothing left to happen")
        .hasMessageContaining("seed=8");
  }

  /** A timer that is always due and never cleared by handling it. */
  static final class StuckTimer extends Echo {
    int timeouts;

    StuckTimer(InetSocketAddress address) {
      super(address);
    }

    @Override
    public long nextTimeoutNanos() {
      return 0;
    }

    @Override
    public void handleTimeout(long nowNanos) {
      timeouts++;
    }
  }

  @Test
  void detectsATimerThatStaysInThePast() {
    SimulatedNetwork net = new SimulatedNetwork(clock, 99);
    StuckTimer stuck = new StuckTimer(SERVER);
    long start = clock.nanos();

    assertThatThrownBy(
            () ->
                Drive.of(clock, net, stuck)
                    .maxStepsWithoutTimeAdvance(10_000)
                    .until(Duration.ofSeconds(1), () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("livelock")
        .hasMessageContaining(SERVER + " next timer " + start + "ns in the past")
        .hasMessageContaining("seed=99");
    assertThat(stuck.timeouts).isEqualTo(10_001);
    assertThat(clock.nanos()).isEqualTo(start);
  }

  @Test
  void detectsALivelockWithTheDefaultLimitQuickly() {
    SimulatedNetwork net = new SimulatedNetwork(clock, 100);
    StuckTimer stuck = new StuckTimer(SERVER);
    assertThatThrownBy(() -> Drive.until(clock, net, Duration.ofSeconds(1), () -> false, stuck))
        .hasMessageContaining("livelock: more than 1000000 actions");
  }

  @Test
  void detectsAnEndpointThatNeverStopsSending() {
    SimulatedNetwork net = new SimulatedNetwork(clock, 5);
    SimEndpoint chatterbox =
        new Echo(CLIENT) {
          @Override
          public Outgoing pollDatagram(long nowNanos) {
            return new Outgoing(SERVER, new byte[1]);
          }
        };
    assertThatThrownBy(
            () ->
                Drive.of(clock, net, chatterbox, new Echo(SERVER))
                    .maxStepsWithoutTimeAdvance(1000)
                    .until(Duration.ofSeconds(1), () -> false))
        .hasMessageContaining("livelock");
  }

  @Test
  void rejectsEndpointsSharingAnAddressAndAForeignClock() {
    SimulatedNetwork net = new SimulatedNetwork(clock, 5);
    assertThatThrownBy(() -> Drive.of(clock, net, new Echo(SERVER), new Echo(SERVER)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Drive.of(new FakeClock(), net, new Echo(SERVER)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sameSeedDrivesTheSameWay() {
    long[] ends = new long[2];
    int[] sent = new int[2];
    for (int run = 0; run < 2; run++) {
      FakeClock c = new FakeClock();
      SimulatedNetwork net =
          new SimulatedNetwork(c, 555)
              .setDefaultConditions(
                  LinkConditions.ideal()
                      .withLatency(Duration.ofMillis(20))
                      .withJitter(Duration.ofMillis(15))
                      .withLoss(0.3)
                      .withDuplication(0.05));
      Pinger p = new Pinger(CLIENT, SERVER, 50, 80 * MS);
      Drive.until(c, net, Duration.ofMinutes(1), p::done, p, new Echo(SERVER));
      ends[run] = c.nanos();
      sent[run] = p.sent;
    }
    assertThat(ends[1]).isEqualTo(ends[0]);
    assertThat(sent[1]).isEqualTo(sent[0]);
  }
}
