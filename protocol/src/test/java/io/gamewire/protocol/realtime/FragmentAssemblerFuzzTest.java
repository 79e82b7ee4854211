package io.gamewire.protocol.realtime;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Jazzer target for {@link FragmentAssembler}. The input is a script of steps, each a tag byte:
 *
 * <ul>
 *   <li>even tag, a fragment: {@code u8 channel, u16 message id, u16 index, u16 count, u16 length}
 *       then up to {@code length} bytes (fewer if the input ends);
 *   <li>odd tag, time passes: {@code u8 milliseconds}, then {@link FragmentAssembler#expire}.
 * </ul>
 *
 * <p>It asserts only what must hold for any input: nothing throws, the memory and message caps hold
 * after every step, a completed message is no longer than the maximum, and after close every buffer
 * is released. Without {@code JAZZER_FUZZ} it runs once on an empty input and once per file in
 * {@code FragmentAssemblerFuzzTestInputs/assemblerKeepsItsBounds/} under src/test/resources (a
 * complete message out of order, each hostile shape, a flood). Run {@code JAZZER_FUZZ=1 mvn -pl
 * protocol test -Dtest=FragmentAssemblerFuzzTest} to fuzz for real.
 */
class FragmentAssemblerFuzzTest {
  /**
   * Small limits so that short inputs reach every one: at most 8 fragments of 256 bytes or more.
   */
  static final int MAX_MESSAGE_BYTES = 2048;

  static final int MAX_BYTES_IN_FLIGHT = 4096;
  static final int MAX_MESSAGES_IN_FLIGHT = 3;
  static final long TIMEOUT_NANOS = 50_000_000L;

  @FuzzTest(maxDuration = "60s")
  void assemblerKeepsItsBounds(byte[] input) {
    run(input);
  }

  static void run(byte[] input) {
    FragmentAssemblerTest.CountingAllocator alloc = new FragmentAssemblerTest.CountingAllocator();
    FragmentAssembler a =
        new FragmentAssembler(
            MAX_MESSAGE_BYTES, MAX_BYTES_IN_FLIGHT, MAX_MESSAGES_IN_FLIGHT, TIMEOUT_NANOS, alloc);
    ByteBuf in = Unpooled.wrappedBuffer(input);
    long now = 0;
    while (in.isReadable()) {
      int tag = in.readUnsignedByte();
      if ((tag & 1) == 1) {
        if (!in.isReadable()) {
          break;
        }
        now += in.readUnsignedByte() * 1_000_000L;
        a.expire(now);
        check(a.nextExpiryNanos() > now, "a due message survived expire");
      } else {
        if (in.readableBytes() < 9) {
          break;
        }
        int channel = in.readUnsignedByte();
        int id = in.readUnsignedShort();
        int index = in.readUnsignedShort();
        int count = in.readUnsignedShort();
        int length = Math.min(in.readUnsignedShort(), in.readableBytes());
        ByteBuf fragment = in.readSlice(length);
        ByteBuf whole = a.accept(now, channel, id, index, count, fragment);
        if (whole != null) {
          int size = whole.readableBytes();
          whole.release();
          check(size <= MAX_MESSAGE_BYTES, "completed message of " + size + " bytes");
        }
      }
      check(a.bytesInFlight() <= MAX_BYTES_IN_FLIGHT, "bytesInFlight " + a.bytesInFlight());
      check(alloc.liveBytes <= MAX_BYTES_IN_FLIGHT, "allocator holds " + alloc.liveBytes);
      check(a.messagesInFlight() <= MAX_MESSAGES_IN_FLIGHT, "messages " + a.messagesInFlight());
    }
    a.close();
    check(a.bytesInFlight() == 0 && alloc.live == 0, "buffers left after close: " + alloc.live);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
