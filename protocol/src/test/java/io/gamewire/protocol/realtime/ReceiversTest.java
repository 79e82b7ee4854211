package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
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

class ReceiversTest {
  static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

  static ByteBuf body(int id) {
    return Unpooled.buffer(4).writeInt(id);
  }

  /** Arrivals of ids start..start+n-1 with duplicates and reordering within a bounded distance. */
  static List<Integer> messyArrivals(int start, int n, long seed, int spread) {
    Random r = new Random(seed);
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add((start + i) & 0xffff);
      if (r.nextInt(10) == 0) {
        ids.add((start + r.nextInt(i + 1)) & 0xffff); // duplicate of something sent already
      }
    }
    for (int i = 0; i + spread <= ids.size(); i += spread) {
      Collections.shuffle(ids.subList(i, i + spread), r);
    }
    return ids;
  }

  @Property(tries = 200)
  void orderedDeliversEachIdOnceInOrderAcrossTheWrap(
      @ForAll @IntRange(min = 0, max = 65535) int start,
      @ForAll @IntRange(min = 1, max = 3000) int n,
      @ForAll long seed) {
    ReliableReceiver rx = new ReliableReceiver(DeliveryMode.RELIABLE_ORDERED, 1024, 1 << 20, ALLOC);
    skipTo(rx, start);
    List<Integer> delivered = new ArrayList<>();
    for (int id : messyArrivals(start, n, seed, 8)) {
      rx.accept(id, body(id));
      for (ByteBuf b; (b = rx.poll()) != null; ) {
        delivered.add(b.readInt());
        b.release();
      }
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add((start + i) & 0xffff);
    }
    assertThat(delivered).isEqualTo(expected);
    assertThat(rx.heldBytes()).isZero();
    rx.close();
  }

  /** Arrivals up to a whole window ahead make the held ring grow; nothing is lost or reordered. */
  @Property(tries = 100)
  void orderedHoldsMessagesArrivingUpToAWindowAheadAcrossTheWrap(
      @ForAll @IntRange(min = 0, max = 65535) int start,
      @ForAll @IntRange(min = 1, max = 3000) int n,
      @ForAll @IntRange(min = 2, max = 1024) int spread,
      @ForAll long seed) {
    ReliableReceiver rx = new ReliableReceiver(DeliveryMode.RELIABLE_ORDERED, 1024, 1 << 20, ALLOC);
    skipTo(rx, start);
    List<Integer> delivered = new ArrayList<>();
    for (int id : messyArrivals(start, n, seed, spread)) {
      assertThat(rx.accept(id, body(id))).isNotEqualTo(ReliableReceiver.Result.DROPPED);
      for (ByteBuf b; (b = rx.poll()) != null; ) {
        delivered.add(b.readInt());
        b.release();
      }
    }
    assertThat(delivered).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(delivered.get(i)).as("delivery %d", i).isEqualTo((start + i) & 0xffff);
    }
    assertThat(rx.heldBytes()).isZero();
    rx.close();
  }

  @Property(tries = 200)
  void unorderedDeliversEachIdExactlyOnce(
      @ForAll @IntRange(min = 0, max = 65535) int start,
      @ForAll @IntRange(min = 1, max = 3000) int n,
      @ForAll long seed) {
    ReliableReceiver rx = new ReliableReceiver(DeliveryMode.RELIABLE_UNORDERED, 1024, 0, ALLOC);
    skipTo(rx, start);
    Set<Integer> delivered = new HashSet<>();
    int count = 0;
    for (int id : messyArrivals(start, n, seed, 8)) {
      if (rx.accept(id, body(id)) == ReliableReceiver.Result.ACCEPTED) {
        assertThat(delivered.add(id)).as("id %d delivered twice", id).isTrue();
        count++;
      }
    }
    assertThat(count).isEqualTo(n);
    assertThat(rx.nextExpected()).isEqualTo((start + n) & 0xffff);
  }

  /** Moves a fresh receiver's window to {@code start} by feeding it the ids before. */
  static void skipTo(ReliableReceiver rx, int start) {
    for (int id = 0; id != start; id = MessageId.next(id)) {
      rx.accept(id, body(id));
      ByteBuf b = rx.poll();
      if (b != null) {
        b.release();
      }
    }
  }

  @Test
  void theNextExpectedMessageTakesTheFastPathAndUnblocksHeldOnes() {
    ReliableReceiver rx = new ReliableReceiver(DeliveryMode.RELIABLE_ORDERED, 16, 1 << 10, ALLOC);
    assertThat(rx.acceptNext(1)).as("not the one delivery waits for").isFalse();
    ByteBuf one = Unpooled.wrappedBuffer(new byte[] {1});
    assertThat(rx.accept(1, one)).isEqualTo(ReliableReceiver.Result.ACCEPTED);
    assertThat(rx.heldBytes()).isEqualTo(1);
    assertThat(rx.poll()).isNull();
    assertThat(rx.acceptNext(0)).isTrue();
    assertThat(rx.heldBytes()).isEqualTo(1).as("the fast path holds no copy of message 0");
    ByteBuf held = rx.poll();
    assertThat(held.getByte(0)).isEqualTo((byte) 1);
    held.release();
    assertThat(rx.poll()).isNull();
    assertThat(rx.nextExpected()).isEqualTo(2);
    assertThat(rx.acceptNext(0)).as("delivered already").isFalse();
    assertThat(rx.accept(0, Unpooled.wrappedBuffer(new byte[] {0})))
        .isEqualTo(ReliableReceiver.Result.DUPLICATE);
    assertThat(new ReliableReceiver(DeliveryMode.RELIABLE_UNORDERED, 16, 0, ALLOC).acceptNext(0))
        .as("unordered receivers have no fast path")
        .isFalse();
    rx.close();
  }

  @Test
  void dropsIdsBeyondTheWindowAndOverTheHoldBudget() {
    ReliableReceiver rx = new ReliableReceiver(DeliveryMode.RELIABLE_ORDERED, 16, 8, ALLOC);
    assertThat(rx.accept(16, body(16))).isEqualTo(ReliableReceiver.Result.DROPPED); // beyond
    assertThat(rx.accept(1, body(1))).isEqualTo(ReliableReceiver.Result.ACCEPTED); // held: 4 bytes
    assertThat(rx.accept(2, body(2))).isEqualTo(ReliableReceiver.Result.ACCEPTED); // held: 8 bytes
    assertThat(rx.accept(3, body(3))).isEqualTo(ReliableReceiver.Result.DROPPED); // over budget
    assertThat(rx.poll()).isNull();
    assertThat(rx.accept(0, body(0))).isEqualTo(ReliableReceiver.Result.ACCEPTED); // in order: fine
    List<Integer> got = new ArrayList<>();
    for (ByteBuf b; (b = rx.poll()) != null; ) {
      got.add(b.readInt());
      b.release();
    }
    assertThat(got).containsExactly(0, 1, 2);
    assertThat(rx.accept(1, body(1))).isEqualTo(ReliableReceiver.Result.DUPLICATE);
    assertThat(rx.dropped()).isEqualTo(2);
    rx.close();
  }

  @Test
  void sequencedNeverGoesBackwards() {
    SequencedReceiver rx = new SequencedReceiver();
    assertThat(rx.accept(65534)).isTrue();
    assertThat(rx.accept(2)).isTrue(); // across the wrap
    assertThat(rx.accept(65535)).isFalse();
    assertThat(rx.accept(2)).isFalse();
    assertThat(rx.accept(3)).isTrue();
    assertThat(rx.stale()).isEqualTo(2);
  }

  @Property
  void sequencedDeliveredIdsAlwaysIncrease(@ForAll long seed) {
    Random r = new Random(seed);
    SequencedReceiver rx = new SequencedReceiver();
    int last = -1;
    for (int i = 0; i < 500; i++) {
      int id = (1000 + i + r.nextInt(20) - 10) & 0xffff;
      if (rx.accept(id)) {
        if (last >= 0) {
          assertThat(MessageId.isNewer(id, last)).isTrue();
        }
        last = id;
      }
    }
  }
}
