package io.gamewire.bench.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.realtime.DeliveryMode;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs each round-trip peer and the flush floors with tiny counts: completion, not speed. */
class UdpHarnessSmokeTest {
  private static final long LIMIT = TimeUnit.SECONDS.toNanos(30);

  @Test
  @Timeout(60)
  void rawAndKryoNetPingPongRecordEveryRoundTrip() throws Exception {
    assertThat(UdpHarness.rawPingPong(32, 10, 200, LIMIT).getTotalCount()).isEqualTo(200);
    assertThat(UdpHarness.kryoPingPong(32, 10, 200, LIMIT).getTotalCount()).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(
      value = DeliveryMode.class,
      names = {"UNRELIABLE", "RELIABLE_ORDERED"})
  @Timeout(60)
  void gamewirePingPongRecordsEveryRoundTrip(DeliveryMode mode) throws Exception {
    Histogram h = UdpHarness.gamewirePingPong(mode, 32, 10, 200, LIMIT);
    assertThat(h.getTotalCount()).isEqualTo(200);
    assertThat(h.getValueAtPercentile(50)).isPositive();
  }

  @Test
  @Timeout(60)
  void theOneWayStreamDeliversEveryMessageInOrderAndCountsItsDatagrams() throws Exception {
    // gamewireOneWay throws if a message arrives out of order, twice, or times out.
    UdpHarness.OneWay w = UdpHarness.gamewireOneWay(32, 5_000, 256, LIMIT);
    assertThat(w.messages()).isEqualTo(5_000);
    assertThat(w.seconds()).isPositive();
    assertThat(w.datagramsSent()).isBetween(1L, 5_000L);
    assertThat(w.messagesPerDatagram()).isGreaterThanOrEqualTo(1.0);
  }

  @Test
  @Timeout(60)
  void theRoundTripCountsOneDatagramEachWayPerPing() throws Exception {
    long[] datagrams = new long[2];
    UdpHarness.gamewirePingPong(DeliveryMode.RELIABLE_ORDERED, 32, 10, 500, LIMIT, datagrams);
    // 510 pings and pongs, plus a handshake and perhaps a keepalive or two each way.
    assertThat(datagrams[0]).isBetween(510L, 520L);
    assertThat(datagrams[1]).isBetween(510L, 520L);
  }

  @Test
  @Timeout(60)
  void bothFlushSidesSendDatagrams() throws Exception {
    UdpHarness.Flush floor = UdpHarness.sendLoopFloor(5, 32, 0.1, 0.2);
    assertThat(floor.sentPerSecond()).as("floor datagrams/s sent").isPositive();
    assertThat(floor.receivedPerSecond()).as("floor datagrams/s read by the sinks").isPositive();
    UdpHarness.Flush netty = UdpHarness.nettyBatchCeiling(5, 32, 0.1, 0.2, LIMIT);
    assertThat(netty.sentPerSecond()).as("netty datagrams/s sent").isPositive();
    assertThat(netty.receivedPerSecond()).as("netty datagrams/s read by the sinks").isPositive();
    UdpHarness.Flush gw = UdpHarness.gamewireFlush(5, 32, 0.1, 0.5, LIMIT);
    assertThat(gw.sentPerSecond()).as("datagrams/s sent").isPositive();
    assertThat(gw.ticksPerSecond()).as("ticks/s").isPositive();
    assertThat(gw.receivedPerSecond()).as("messages/s the clients received").isPositive();
  }
}
