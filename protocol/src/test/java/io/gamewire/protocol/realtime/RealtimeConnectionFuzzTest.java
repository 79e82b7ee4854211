package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Random bytes after a valid header never throw out of the receive path and are counted. */
class RealtimeConnectionFuzzTest {
  @Property(tries = 2000)
  void randomPayloadsNeverThrow(
      @ForAll @Size(max = 1300) byte[] body,
      @ForAll @IntRange(min = 0, max = 15) int kind,
      @ForAll @IntRange(min = 1, max = 0xffff) int seq) {
    long now = 1_000_000_000L;
    int[] delivered = {0};
    RealtimeConnection c =
        new RealtimeConnection(
            RealtimeConfig.defaults(),
            7,
            now,
            ByteBufAllocator.DEFAULT,
            (channel, message) -> delivered[0]++);
    ByteBuf d = Unpooled.buffer();
    RealtimeHeader.write(d, seq, 0, 0, PacketKind.PAYLOAD, 0, 7);
    d.setByte(12, kind);
    d.writeBytes(body);
    c.handleDatagram(now, d);
    long dropped = c.malformedPackets() + c.rejectedPackets();
    boolean accepted = dropped == 0;
    if (!accepted) {
      assertThat(delivered[0]).isZero();
    }
    assertThat(dropped).isLessThanOrEqualTo(1);
    ByteBuf out;
    while ((out = c.pollDatagram(now + 100_000_000L)) != null) {
      out.release();
    }
    c.close();
    assertThat(c.isClosed()).isTrue();
  }
}
