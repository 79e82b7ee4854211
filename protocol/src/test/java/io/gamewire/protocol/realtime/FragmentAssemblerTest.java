package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.testkit.FakeClock;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FragmentAssemblerTest {
  static final int MAX = Fragmenter.DEFAULT_MAX_MESSAGE_BYTES;
  static final long TIMEOUT = Duration.ofSeconds(2).toNanos();

  /**
   * Hands out heap buffers (leak-tracked by Netty, paranoid under surefire) and counts those not
   * yet deallocated, so a test can assert that every buffer was released and that the memory really
   * held never passed the cap. Freed arrays are reused for later buffers of the same size without
   * clearing, as a pooled allocator would: the assembler must not rely on zeroed memory, and floods
   * stay cheap.
   */
  static final class CountingAllocator extends AbstractByteBufAllocator {
    long allocations;
    long live;
    long liveBytes;
    private final Map<Integer, ArrayDeque<byte[]>> spare = new HashMap<>();

    CountingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      allocations++;
      live++;
      liveBytes += initialCapacity;
      return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity) {
        @Override
        protected byte[] allocateArray(int size) {
          byte[] reused = spare.computeIfAbsent(size, k -> new ArrayDeque<>()).poll();
          return reused != null ? reused : new byte[size];
        }

        @Override
        protected void freeArray(byte[] array) {
          ArrayDeque<byte[]> free = spare.computeIfAbsent(array.length, k -> new ArrayDeque<>());
          if (free.size() < 8) {
            free.push(array);
          }
        }

        @Override
        protected void deallocate() {
          live--;
          liveBytes -= capacity();
          super.deallocate();
        }
      };
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }
  }

  final CountingAllocator alloc = new CountingAllocator();
  final FakeClock clock = new FakeClock();

  @AfterEach
  void everyBufferWasReleased() {
    assertThat(alloc.live).as("buffers not released").isZero();
  }

  FragmentAssembler assembler() {
    return new FragmentAssembler(MAX, 4 * MAX, 16, TIMEOUT, alloc);
  }

  static byte[] randomBytes(Random random, int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  static ByteBuf fragmentOf(byte[] message, Fragmenter f, int index) {
    return Unpooled.wrappedBuffer(
        message, f.offset(message.length, index), f.length(message.length, index));
  }

  static ByteBuf bytes(int n) {
    return Unpooled.wrappedBuffer(new byte[n]);
  }

  /** Asserts {@code whole} holds exactly {@code expected}, then releases it. */
  static void assertMessage(ByteBuf whole, byte[] expected) {
    try {
      assertThat(whole).isNotNull();
      assertThat(whole.readableBytes()).isEqualTo(expected.length);
      assertThat(ByteBufUtil.getBytes(whole)).isEqualTo(expected);
    } finally {
      if (whole != null) {
        whole.release();
      }
    }
  }

  @Test
  void reassemblesFragmentsInOrderAndHandsTheBufferOver() {
    FragmentAssembler a = assembler();
    Fragmenter f = new Fragmenter();
    byte[] message = randomBytes(new Random(1), 3000);
    assertThat(f.count(3000)).isEqualTo(3);
    assertThat(a.accept(clock.nanos(), 3, 77, 0, 3, fragmentOf(message, f, 0))).isNull();
    assertThat(a.accept(clock.nanos(), 3, 77, 1, 3, fragmentOf(message, f, 1))).isNull();
    assertThat(a.messagesInFlight()).isEqualTo(1);
    assertThat(a.bytesInFlight()).isEqualTo(3 * 1172);
    assertMessage(a.accept(clock.nanos(), 3, 77, 2, 3, fragmentOf(message, f, 2)), message);
    assertThat(a.completed()).isEqualTo(1);
    assertThat(a.messagesInFlight()).isZero();
    assertThat(a.bytesInFlight()).isZero();
    assertThat(alloc.allocations).as("one buffer per message, nothing per fragment").isEqualTo(1);
    a.close();
  }

  @Test
  void leavesTheFragmentsIndicesAlone() {
    FragmentAssembler a = assembler();
    ByteBuf fragment = Unpooled.wrappedBuffer(new byte[300]);
    fragment.readerIndex(10);
    assertThat(a.accept(0, 0, 1, 0, 2, fragment)).isNull();
    assertThat(fragment.readerIndex()).isEqualTo(10);
    assertThat(fragment.readableBytes()).isEqualTo(290);
    a.close();
  }

  @Test
  void reassemblesWhenTheLastFragmentArrivesFirst() {
    FragmentAssembler a = assembler();
    Fragmenter f = new Fragmenter(MAX, 1000);
    byte[] message = randomBytes(new Random(2), 3500);
    assertThat(a.accept(0, 1, 5, 3, 4, fragmentOf(message, f, 3))).isNull();
    // L is unknown, so the reservation is the largest total the last fragment allows.
    assertThat(a.bytesInFlight()).isLessThanOrEqualTo(MAX);
    assertThat(a.accept(0, 1, 5, 1, 4, fragmentOf(message, f, 1))).isNull();
    assertThat(a.accept(0, 1, 5, 0, 4, fragmentOf(message, f, 0))).isNull();
    assertMessage(a.accept(0, 1, 5, 2, 4, fragmentOf(message, f, 2)), message);
    a.close();
  }

  @Test
  void aLoneFragmentIsAWholeMessage() {
    FragmentAssembler a = assembler();
    byte[] message = {1, 2, 3};
    assertMessage(a.accept(0, 0, 9, 0, 1, Unpooled.wrappedBuffer(message)), message);
    assertMessage(a.accept(0, 0, 9, 0, 1, Unpooled.EMPTY_BUFFER), new byte[0]);
    assertThat(a.completed()).isEqualTo(2);
    assertThat(a.messagesInFlight()).isZero();
    a.close();
  }

  /**
   * Splits a random message with a random budget, delivers its fragments in a random order with
   * re-deliveries of already-received fragments mixed in, and gets the same bytes back exactly when
   * the last missing fragment arrives.
   */
  @Property(tries = 300)
  void splitThenJoinInAnyOrderWithDuplicatesGivesBackTheSameBytes(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = MAX) int size,
      @ForAll @IntRange(min = Fragmenter.MIN_FRAGMENT_BYTES, max = 70_000) int budget,
      @ForAll @IntRange(min = 0, max = 20) int duplicateCount) {
    Random random = new Random(seed);
    byte[] message = randomBytes(random, size);
    Fragmenter f = new Fragmenter(MAX, budget);
    int count = f.count(size);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    int duplicates = count == 1 ? 0 : duplicateCount;
    for (int d = 0; d < duplicates; d++) {
      // Before the final distinct fragment, repeat one that has already been delivered.
      int at = 1 + random.nextInt(order.size() - 1);
      order.add(at, order.get(random.nextInt(at)));
    }
    FragmentAssembler a = assembler();
    try {
      for (int k = 0; k < order.size() - 1; k++) {
        int i = order.get(k);
        assertThat(a.accept(clock.nanos(), 7, 1234, i, count, fragmentOf(message, f, i)))
            .as("fragment %d of %d completed early", i, count)
            .isNull();
        assertThat(a.bytesInFlight()).isLessThanOrEqualTo(4 * MAX);
      }
      int lastIndex = order.get(order.size() - 1);
      assertMessage(
          a.accept(clock.nanos(), 7, 1234, lastIndex, count, fragmentOf(message, f, lastIndex)),
          message);
      assertThat(a.duplicates()).isEqualTo(duplicates);
      assertThat(a.rejected()).isZero();
      assertThat(a.bytesInFlight()).isZero();
    } finally {
      a.close();
    }
    assertThat(alloc.live).isZero();
  }

  /** Several messages on several channels, each in its own random order, interleaved at random. */
  @Property(tries = 60)
  void interleavedMessagesOnSeveralChannelsAllComeBackWhole(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 12) int messageCount) {
    Random random = new Random(seed);
    Map<Integer, byte[]> sent = new HashMap<>();
    List<int[]> schedule = new ArrayList<>(); // {key, index, count, budget}
    List<List<int[]>> perMessage = new ArrayList<>();
    while (sent.size() < messageCount) {
      int channel = random.nextInt(FragmentAssembler.MAX_CHANNEL + 1);
      int id = random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(65_536);
      int key = channel << 16 | id;
      if (sent.containsKey(key)) {
        continue;
      }
      int budget = Fragmenter.MIN_FRAGMENT_BYTES + random.nextInt(2000);
      byte[] message = randomBytes(random, random.nextInt(40_000));
      sent.put(key, message);
      int count = new Fragmenter(MAX, budget).count(message.length);
      List<int[]> fragments = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        fragments.add(new int[] {key, i, count, budget});
      }
      Collections.shuffle(fragments, random);
      perMessage.add(fragments);
    }
    while (!perMessage.isEmpty()) {
      int m = random.nextInt(perMessage.size());
      schedule.add(perMessage.get(m).remove(0));
      if (perMessage.get(m).isEmpty()) {
        perMessage.remove(m);
      }
    }
    FragmentAssembler a = new FragmentAssembler(MAX, 16 * MAX, 16, TIMEOUT, alloc);
    Map<Integer, Integer> completions = new HashMap<>();
    for (int[] s : schedule) {
      byte[] message = sent.get(s[0]);
      Fragmenter f = new Fragmenter(MAX, s[3]);
      clock.advanceMillis(1);
      ByteBuf whole =
          a.accept(
              clock.nanos(), s[0] >>> 16, s[0] & 0xffff, s[1], s[2], fragmentOf(message, f, s[1]));
      if (whole != null) {
        completions.merge(s[0], 1, Integer::sum);
        assertMessage(whole, message);
      }
    }
    assertThat(completions).hasSize(messageCount).allSatisfy((k, n) -> assertThat(n).isOne());
    assertThat(a.evicted()).isZero();
    assertThat(a.rejected()).isZero();
    assertThat(a.bytesInFlight()).isZero();
    a.close();
    assertThat(alloc.live).isZero();
  }

  @Test
  void missingFragmentsNeverCompleteAndTheTimeoutFreesTheirMemory() {
    FragmentAssembler a = assembler();
    Fragmenter f = new Fragmenter(MAX, 500);
    byte[] message = randomBytes(new Random(3), 5000); // 10 fragments
    for (int i = 0; i < 10; i++) {
      if (i != 4) {
        assertThat(a.accept(clock.nanos(), 0, 1, i, 10, fragmentOf(message, f, i))).isNull();
      }
      // Duplicates of what is held do not complete it either.
      assertThat(a.accept(clock.nanos(), 0, 1, 0, 10, fragmentOf(message, f, 0))).isNull();
    }
    assertThat(a.messagesInFlight()).isEqualTo(1);
    assertThat(a.bytesInFlight()).isEqualTo(5000);
    long lastFed = clock.nanos();
    assertThat(a.nextExpiryNanos()).isEqualTo(lastFed + TIMEOUT);
    clock.advanceNanos(TIMEOUT - 1);
    assertThat(a.expire(clock.nanos())).isZero();
    assertThat(a.bytesInFlight()).isEqualTo(5000);
    clock.advanceTo(a.nextExpiryNanos());
    assertThat(a.expire(clock.nanos())).isOne();
    assertThat(a.bytesInFlight()).isZero();
    assertThat(a.messagesInFlight()).isZero();
    assertThat(a.evicted()).isOne();
    assertThat(a.completed()).isZero();
    assertThat(a.nextExpiryNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(alloc.live).isZero();
    // The id is free again: the missing fragment alone now starts a new message.
    assertThat(a.accept(clock.nanos(), 0, 1, 4, 10, fragmentOf(message, f, 4))).isNull();
    assertThat(a.messagesInFlight()).isOne();
    a.close();
  }

  @Test
  void theTimeoutCountsFromTheLatestNewFragment() {
    FragmentAssembler a = assembler();
    a.accept(clock.nanos(), 0, 1, 0, 3, bytes(300));
    a.accept(clock.nanos(), 0, 2, 0, 3, bytes(300));
    clock.advanceMillis(1500);
    a.accept(clock.nanos(), 0, 1, 1, 3, bytes(300)); // message 1 is fed, message 2 is not
    assertThat(a.nextExpiryNanos())
        .isEqualTo(clock.nanos() - Duration.ofMillis(1500).toNanos() + TIMEOUT);
    clock.advanceMillis(600);
    assertThat(a.expire(clock.nanos())).isOne();
    assertThat(a.messagesInFlight()).isOne();
    clock.advanceMillis(1500);
    assertThat(a.expire(clock.nanos())).isOne();
    assertThat(a.messagesInFlight()).isZero();
    a.close();
  }

  @Test
  void theLeastRecentlyFedMessageIsEvictedForANewOne() {
    FragmentAssembler a = new FragmentAssembler(MAX, 4 * MAX, 3, TIMEOUT, alloc);
    for (int id = 0; id < 3; id++) {
      clock.advanceMillis(1);
      assertThat(a.accept(clock.nanos(), 0, id, 0, 2, bytes(300))).isNull();
    }
    clock.advanceMillis(1);
    assertThat(a.accept(clock.nanos(), 0, 0, 0, 2, bytes(300))).isNull(); // a duplicate: no refresh
    assertThat(a.accept(clock.nanos(), 5, 0, 0, 2, bytes(300))).isNull(); // evicts id 0
    assertThat(a.evicted()).isOne();
    assertThat(a.messagesInFlight()).isEqualTo(3);
    // id 0's partial is gone: its second fragment starts a new partial message, evicting id 1.
    assertThat(a.accept(clock.nanos(), 0, 0, 1, 2, bytes(100))).isNull();
    assertThat(a.evicted()).isEqualTo(2);
    ByteBuf whole = a.accept(clock.nanos(), 0, 2, 1, 2, bytes(100));
    assertThat(whole.readableBytes()).isEqualTo(400);
    whole.release();
    a.close();
  }

  @Test
  void holdsAsManyPartialMessagesAsConfiguredBeforeEvicting() {
    int limit = 40; // not a power of two: the slots grow 4, 8, 16, 32, then 40
    FragmentAssembler a = new FragmentAssembler(MAX, 64 * MAX, limit, TIMEOUT, alloc);
    for (int id = 0; id < limit; id++) {
      clock.advanceMillis(1);
      assertThat(a.accept(clock.nanos(), id % 3, id, 0, 2, bytes(300))).isNull();
    }
    assertThat(a.messagesInFlight()).isEqualTo(limit);
    assertThat(a.evicted()).isZero();
    clock.advanceMillis(1);
    assertThat(a.accept(clock.nanos(), 7, 0, 0, 2, bytes(300))).isNull(); // evicts id 0
    assertThat(a.evicted()).isOne();
    for (int id = 1; id < limit; id++) {
      ByteBuf whole = a.accept(clock.nanos(), id % 3, id, 1, 2, bytes(100));
      assertThat(whole).as("message %d", id).isNotNull();
      assertThat(whole.readableBytes()).isEqualTo(400);
      whole.release();
    }
    assertThat(a.messagesInFlight()).isOne();
    a.close();
    assertThat(alloc.live).isZero();
  }

  @Test
  void memoryPressureEvictsTheOldestUntilTheNewMessageFits() {
    int cap = 2 * MAX;
    FragmentAssembler a = new FragmentAssembler(MAX, cap, 16, TIMEOUT, alloc);
    // Each claims 100 * 2000 bytes: two fit, and each one after evicts the oldest.
    for (int id = 0; id < 5; id++) {
      clock.advanceMillis(1);
      a.accept(clock.nanos(), 1, id, 0, 100, bytes(2000));
      assertThat(a.bytesInFlight()).isLessThanOrEqualTo(cap);
      assertThat(alloc.liveBytes).isLessThanOrEqualTo(cap);
    }
    assertThat(a.messagesInFlight()).isEqualTo(2);
    assertThat(a.evicted()).isEqualTo(3);
    a.close();
    assertThat(a.bytesInFlight()).isZero();
  }

  /**
   * A flood of first fragments for distinct ids, each claiming the largest message the limits
   * allow, keeps both the assembler's count and the allocator's real holdings under the cap.
   */
  @Test
  void aFloodOfMaximalClaimsNeverExceedsTheMemoryCap() {
    int cap = 1 << 20;
    FragmentAssembler a = new FragmentAssembler(MAX, cap, 64, TIMEOUT, alloc);
    int count = a.maxFragmentCount();
    assertThat((long) count * Fragmenter.MIN_FRAGMENT_BYTES).isEqualTo(MAX);
    ByteBuf first = bytes(Fragmenter.MIN_FRAGMENT_BYTES);
    ByteBuf last = bytes(1);
    for (int i = 0; i < 100_000; i++) {
      int channel = i % 255;
      int id = i / 255;
      ByteBuf out =
          i % 2 == 0
              ? a.accept(clock.nanos(), channel, id, 0, count, first)
              : a.accept(clock.nanos(), channel, id, count - 1, count, last);
      if (out != null || a.bytesInFlight() > cap || alloc.liveBytes > cap) {
        throw new AssertionError(
            "step " + i + ": " + a.bytesInFlight() + " in flight, " + alloc.liveBytes + " held");
      }
    }
    assertThat(a.evicted()).isGreaterThan(99_000);
    assertThat(a.rejected()).isZero();
    a.close();
    assertThat(a.bytesInFlight()).isZero();
  }

  @Test
  void aFloodClaiming65535FragmentsIsRejectedBeforeAnyAllocation() {
    FragmentAssembler a = assembler();
    ByteBuf fragment = bytes(4);
    for (int i = 0; i < 100_000; i++) {
      assertThat(a.accept(clock.nanos(), i % 255, i & 0xffff, i % 3, 65_535, fragment)).isNull();
    }
    assertThat(a.rejected()).isEqualTo(100_000);
    assertThat(alloc.allocations).isZero();
    assertThat(a.bytesInFlight()).isZero();
    a.close();
  }

  @Test
  void malformedFragmentsAreCountedAndNeverThrow() {
    FragmentAssembler a = assembler();
    long before = a.rejected();
    assertThat(a.accept(0, 0, 1, 0, 0, bytes(300))).isNull(); // count 0
    assertThat(a.accept(0, 0, 1, 2, 2, bytes(300))).isNull(); // index == count
    assertThat(a.accept(0, 0, 1, 70_000, 2, bytes(300))).isNull(); // index >= count
    assertThat(a.accept(0, 0, 1, -1, 2, bytes(300))).isNull(); // negative index
    assertThat(a.accept(0, 0, 1, 0, 65_536, bytes(300))).isNull(); // count above u16
    assertThat(a.accept(0, 0, 1, 0, 2000, bytes(300))).isNull(); // 2000 * 256 > MAX
    assertThat(a.accept(0, 255, 1, 0, 2, bytes(300))).isNull(); // reserved channel
    assertThat(a.accept(0, -1, 1, 0, 2, bytes(300))).isNull();
    assertThat(a.accept(0, 0, 65_536, 0, 2, bytes(300))).isNull(); // id above u16
    assertThat(a.accept(0, 0, -1, 0, 2, bytes(300))).isNull();
    assertThat(a.accept(0, 0, 1, 0, 2, bytes(255))).isNull(); // below MIN_FRAGMENT_BYTES
    assertThat(a.accept(0, 0, 1, 1, 2, bytes(0))).isNull(); // empty last fragment
    assertThat(a.accept(0, 0, 1, 0, 2, bytes(MAX))).isNull(); // total above MAX
    assertThat(a.accept(0, 0, 1, 0, 1, bytes(MAX + 1))).isNull(); // lone fragment above MAX
    assertThat(a.accept(0, 0, 1, 3, 4, bytes(MAX / 4 + 1))).isNull(); // 4 * last > MAX
    assertThat(a.rejected() - before).isEqualTo(15);
    assertThat(alloc.allocations).isZero();
    assertThat(a.messagesInFlight()).isZero();
    a.close();
  }

  @Test
  void aCountChangeMidMessageDropsThePartialMessage() {
    FragmentAssembler a = assembler();
    assertThat(a.accept(0, 2, 9, 0, 3, bytes(300))).isNull();
    assertThat(a.accept(0, 2, 9, 1, 4, bytes(300))).isNull();
    assertThat(a.rejected()).isOne();
    assertThat(a.messagesInFlight()).isZero();
    assertThat(a.bytesInFlight()).isZero();
    // A lone fragment claiming the same id also contradicts the partial message.
    assertThat(a.accept(0, 2, 9, 0, 3, bytes(300))).isNull();
    assertThat(a.accept(0, 2, 9, 0, 1, bytes(10))).isNull();
    assertThat(a.rejected()).isEqualTo(2);
    assertThat(a.messagesInFlight()).isZero();
    a.close();
  }

  @Test
  void aLengthInconsistencyDropsThePartialMessage() {
    FragmentAssembler a = assembler();
    // A middle fragment longer than fragment 0.
    a.accept(0, 0, 1, 0, 3, bytes(300));
    assertThat(a.accept(0, 0, 1, 1, 3, bytes(301))).isNull();
    // A last fragment longer than the others.
    a.accept(0, 0, 2, 0, 3, bytes(300));
    assertThat(a.accept(0, 0, 2, 2, 3, bytes(301))).isNull();
    // The last fragment first, then a middle one shorter than it.
    a.accept(0, 0, 3, 2, 3, bytes(400));
    assertThat(a.accept(0, 0, 3, 0, 3, bytes(300))).isNull();
    // The last fragment first, then a middle one whose length would push the total past MAX.
    a.accept(0, 0, 4, 2, 3, bytes(400));
    assertThat(a.accept(0, 0, 4, 0, 3, bytes(MAX / 2 - 100))).isNull();
    assertThat(a.rejected()).isEqualTo(4);
    assertThat(a.messagesInFlight()).isZero();
    assertThat(a.bytesInFlight()).isZero();
    assertThat(a.completed()).isZero();
    a.close();
  }

  @Test
  void anIdThatComesBackAfterCompletionIsANewMessage() {
    FragmentAssembler a = assembler();
    Fragmenter f = new Fragmenter(MAX, 300);
    Random random = new Random(4);
    for (int round = 0; round < 3; round++) {
      byte[] message = randomBytes(random, 500 + round * 300);
      int count = f.count(message.length);
      ByteBuf whole = null;
      for (int i = count - 1; i >= 0; i--) {
        whole = a.accept(clock.nanos(), 4, 65_535, i, count, fragmentOf(message, f, i));
      }
      assertMessage(whole, message);
    }
    assertThat(a.completed()).isEqualTo(3);
    assertThat(a.rejected()).isZero();
    a.close();
  }

  @Test
  void theSameIdOnAnotherChannelIsAnotherMessage() {
    FragmentAssembler a = assembler();
    a.accept(0, 0, 8, 0, 2, bytes(300));
    a.accept(0, 1, 8, 0, 2, bytes(400));
    assertThat(a.messagesInFlight()).isEqualTo(2);
    ByteBuf whole = a.accept(0, 1, 8, 1, 2, bytes(1));
    assertThat(whole.readableBytes()).isEqualTo(401);
    whole.release();
    assertThat(a.rejected()).isZero();
    a.close();
  }

  @Test
  void closeReleasesEverythingOnceAndRefusesFurtherUse() {
    FragmentAssembler a = assembler();
    for (int id = 0; id < 5; id++) {
      a.accept(0, 0, id, 0, 4, bytes(1000));
    }
    assertThat(alloc.live).isEqualTo(5);
    a.close();
    assertThat(alloc.live).isZero();
    assertThat(a.bytesInFlight()).isZero();
    assertThat(a.messagesInFlight()).isZero();
    a.close();
    assertThatThrownBy(() -> a.accept(0, 0, 1, 0, 2, bytes(300)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rejectsConfigurationsThatCannotWork() {
    assertThatThrownBy(() -> new FragmentAssembler(MAX, MAX - 1, 4, TIMEOUT, alloc))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one maximum message");
    assertThatThrownBy(() -> new FragmentAssembler(MAX, MAX, 0, TIMEOUT, alloc))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FragmentAssembler(MAX, MAX, 4, 0, alloc))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FragmentAssembler(0, MAX, 4, TIMEOUT, alloc))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new FragmentAssembler(alloc).maxFragmentCount()).isEqualTo(1024);
    assertThat(new FragmentAssembler(1 << 30, 1 << 30, 1, TIMEOUT, alloc).maxFragmentCount())
        .isEqualTo(65_535);
  }

  @Test
  void acceptsEveryShapeTheFragmenterMakes() {
    FragmentAssembler a = assembler();
    Fragmenter f = new Fragmenter(MAX, Fragmenter.MIN_FRAGMENT_BYTES);
    for (int size : new int[] {0, 1, 255, 256, 257, 511, 512, 513, MAX - 1, MAX}) {
      byte[] message = new byte[size];
      Arrays.fill(message, (byte) size);
      int count = f.count(size);
      ByteBuf whole = null;
      for (int i = 0; i < count; i++) {
        whole = a.accept(0, 0, size & 0xffff, i, count, fragmentOf(message, f, i));
      }
      assertMessage(whole, message);
    }
    assertThat(a.rejected()).isZero();
    a.close();
  }
}
