package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SentPacketsTest {
  static final class Log implements SentPackets.Sink {
    final List<Integer> acked = new ArrayList<>();
    final List<Integer> lost = new ArrayList<>();

    @Override
    public void acked(int seq, long sentAtNanos) {
      acked.add(seq);
    }

    @Override
    public void lost(int seq, long sentAtNanos) {
      lost.add(seq);
    }
  }

  @Test
  void acknowledgesEachPacketOnceHoweverOftenHeadersRepeatIt() {
    SentPackets sent = new SentPackets(64);
    Log log = new Log();
    for (int s = 1; s <= 5; s++) {
      sent.sent(s, s * 10L, log);
    }
    AckWindow w = new AckWindow();
    w.record(1);
    w.record(3);
    w.record(4);
    assertThat(sent.onAck(w.ack(), w.bitfield(), log)).isEqualTo(3);
    assertThat(sent.onAck(w.ack(), w.bitfield(), log)).isZero();
    assertThat(log.acked).containsExactlyInAnyOrder(1, 3, 4);
    assertThat(sent.outstanding()).isEqualTo(2);
    assertThat(sent.expire(100, 60, log)).isEqualTo(1); // 2 was sent at 20; 5 at 50 is not due
    assertThat(log.lost).containsExactly(2);
    assertThat(sent.expire(1000, 60, log)).isEqualTo(1);
    assertThat(log.lost).containsExactly(2, 5);
    assertThat(sent.expire(2000, 60, log)).isZero();
  }

  @Test
  void aPacketMoreThanThreeBehindAnAcknowledgedOneIsLostAtOnce() {
    SentPackets sent = new SentPackets(64);
    Log log = new Log();
    for (int s = 1; s <= 8; s++) {
      sent.sent(s, s * 10L, log);
    }
    AckWindow w = new AckWindow();
    for (int s = 2; s <= 4; s++) {
      w.record(s); // 1 never arrived
    }
    sent.onAck(w.ack(), w.bitfield(), log);
    assertThat(log.lost).isEmpty(); // 4 is only 3 ahead of 1: reordering is still possible
    w.record(5);
    sent.onAck(w.ack(), w.bitfield(), log);
    assertThat(log.lost).containsExactly(1); // without waiting for the timeout
    assertThat(log.acked).containsExactlyInAnyOrder(2, 3, 4, 5);
    assertThat(sent.outstanding()).isEqualTo(3);
  }

  @Test
  void growsToItsCapacityBeforeReportingAnyPacketLost() {
    SentPackets sent = new SentPackets(512);
    Log log = new Log();
    assertThat(sent.slots()).isEqualTo(SentPackets.INITIAL_SLOTS);
    int start = 1000; // (growth across the wrap: everyPacketIsAckedOrLostExactlyOnce)
    int seq = start;
    for (int i = 0; i < 512; i++, seq = Sequence.next(seq)) {
      sent.sent(seq, i, log);
    }
    assertThat(log.lost).isEmpty();
    assertThat(sent.outstanding()).isEqualTo(512);
    assertThat(sent.slots()).isEqualTo(512);
    sent.sent(seq, 512, log); // the window is full: the oldest goes
    assertThat(log.lost).containsExactly(start);
    // Every packet still tracked is acknowledged once, wherever growth moved it.
    int newest = seq;
    AckWindow w = new AckWindow();
    for (int i = 0, s = Sequence.next(start); i < 512; i++, s = Sequence.next(s)) {
      w.record(s);
      sent.onAck(w.ack(), w.bitfield(), log);
    }
    assertThat(w.ack()).isEqualTo(newest);
    assertThat(log.acked).hasSize(512).doesNotHaveDuplicates().doesNotContain(start);
    assertThat(log.lost).containsExactly(start);
    assertThat(sent.outstanding()).isZero();
  }

  @Test
  void anIdleSenderStaysAtItsInitialSlots() {
    SentPackets sent = new SentPackets(512);
    Log log = new Log();
    AckWindow w = new AckWindow();
    int seq = Sequence.NONE;
    for (int i = 0; i < 5000; i++) { // keepalives, each acknowledged before the next
      seq = Sequence.next(seq);
      sent.sent(seq, i, log);
      w.record(seq);
      sent.onAck(w.ack(), w.bitfield(), log);
    }
    assertThat(log.acked).hasSize(5000);
    assertThat(sent.slots()).isEqualTo(SentPackets.INITIAL_SLOTS);
  }

  @Test
  void ignoresAcksForSequencesNeverSent() {
    SentPackets sent = new SentPackets(64);
    Log log = new Log();
    sent.sent(1, 0, log);
    assertThat(sent.onAck(9, -1, log)).isZero();
    assertThat(log.acked).isEmpty();
  }

  /** Sender and receiver over a lossy, reordering link: every packet ends acked or lost, once. */
  @Property(tries = 200)
  void everyPacketIsAckedOrLostExactlyOnce(
      @ForAll @IntRange(min = 1, max = 65535) int start,
      @ForAll @IntRange(min = 1, max = 2000) int count,
      @ForAll long seed) {
    Random random = new Random(seed);
    SentPackets sent = new SentPackets(256);
    AckWindow receiver = new AckWindow();
    Log log = new Log();
    Set<Integer> received = new HashSet<>();
    List<Integer> inFlight = new ArrayList<>();
    long now = 0;
    int seq = start;
    for (int i = 0; i < count; i++, seq = Sequence.next(seq)) {
      now += 10;
      sent.sent(seq, now, log);
      if (random.nextInt(100) >= 20) {
        inFlight.add(seq);
      }
      // deliver some of what is in flight, out of order
      while (!inFlight.isEmpty() && random.nextBoolean()) {
        int s = inFlight.remove(random.nextInt(Math.min(3, inFlight.size())));
        if (receiver.record(s)) {
          received.add(s);
        }
      }
      if (random.nextInt(3) == 0) {
        sent.onAck(receiver.ack(), receiver.bitfield(), log);
      }
      sent.expire(now, 1000, log);
    }
    sent.onAck(receiver.ack(), receiver.bitfield(), log);
    sent.expire(Long.MAX_VALUE / 2, 1000, log);
    assertThat(sent.outstanding()).isZero();
    assertThat(log.acked.size() + log.lost.size()).isEqualTo(count);
    assertThat(new HashSet<>(log.acked)).hasSize(log.acked.size());
    assertThat(received).containsAll(log.acked);
  }
}
