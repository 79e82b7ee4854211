package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RealtimeHeaderTest {
  @Test
  void writesTheDocumentedLayout() {
    ByteBuf b = Unpooled.buffer();
    RealtimeHeader.write(b, 0x0102, 0x0304, 0xc0000001, PacketKind.PAYLOAD, 0, 0xdeadbeef);
    assertThat(Hex.format(ByteBufUtil.getBytes(b)))
        .isEqualTo("47575254" + "0102" + "0304" + "c0000001" + "06" + "deadbeef");
  }

  @Test
  void rejectsShortAndForeignDatagrams() {
    assertThat(RealtimeHeader.isRealtime(Unpooled.wrappedBuffer(Hex.parse("47575254 0001"))))
        .isFalse();
    // PyGaSe's protocol id is a different protocol
    assertThat(
            RealtimeHeader.isRealtime(
                Unpooled.wrappedBuffer(Hex.parse("ffd0fab9 0001 0000 00000000 0000 0000000000"))))
        .isFalse();
    ByteBuf unknownKind = Unpooled.buffer();
    RealtimeHeader.write(unknownKind, 1, 0, 0, PacketKind.KEEPALIVE, 0, 0);
    unknownKind.setByte(12, 0x0f);
    assertThat(RealtimeHeader.kind(unknownKind)).isNull();
  }

  @Property
  void readsBackWhatWasWritten(
      @ForAll @IntRange(min = 0, max = 65535) int seq,
      @ForAll @IntRange(min = 0, max = 65535) int ack,
      @ForAll int bits,
      @ForAll PacketKind kind,
      @ForAll int token) {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0x55); // the header may start anywhere in a buffer
    b.readByte();
    RealtimeHeader.write(b, seq, ack, bits, kind, RealtimeHeader.FLAG_ENCRYPTED, token);
    assertThat(RealtimeHeader.isRealtime(b)).isTrue();
    assertThat(RealtimeHeader.sequence(b)).isEqualTo(seq);
    assertThat(RealtimeHeader.ack(b)).isEqualTo(ack);
    assertThat(RealtimeHeader.ackBits(b)).isEqualTo(bits);
    assertThat(RealtimeHeader.kind(b)).isEqualTo(kind);
    assertThat(RealtimeHeader.flags(b)).isEqualTo(RealtimeHeader.FLAG_ENCRYPTED);
    assertThat(RealtimeHeader.token(b)).isEqualTo(token);
    assertThat(b.readableBytes()).isEqualTo(RealtimeHeader.BYTES);
  }

  @Test
  void anAckDelayIsOneByteAfterTheHeaderFlaggedInTheKindByte() {
    ByteBuf b = Unpooled.buffer();
    RealtimeHeader.writeWithAckDelay(b, 1, 2, 0, PacketKind.PAYLOAD, 0x01020304, 60);
    assertThat(Hex.format(ByteBufUtil.getBytes(b)))
        .isEqualTo("47575254" + "0001" + "0002" + "00000000" + "16" + "01020304" + "3c");
    assertThat(RealtimeHeader.flagsValid(b, PacketKind.PAYLOAD)).isTrue();
    assertThat(RealtimeHeader.ackDelayNanos(b)).isEqualTo(30_000_000L);
    assertThat(RealtimeHeader.bytes(RealtimeHeader.flags(b))).isEqualTo(18);

    ByteBuf none = Unpooled.buffer();
    RealtimeHeader.writeWithAckDelay(none, 1, 2, 0, PacketKind.KEEPALIVE, 7, 0);
    assertThat(none.readableBytes()).isEqualTo(RealtimeHeader.BYTES);
    assertThat(RealtimeHeader.ackDelayNanos(none)).isZero();

    ByteBuf saturated = Unpooled.buffer();
    RealtimeHeader.writeWithAckDelay(
        saturated, 1, 2, 0, PacketKind.KEEPALIVE, 7, RealtimeHeader.ackDelayUnits(1_000_000_000L));
    assertThat(RealtimeHeader.ackDelayNanos(saturated)).isEqualTo(127_500_000L);
  }

  @Test
  void theAckDelayFlagIsRefusedOnOtherKindsAndWithoutItsByte() {
    ByteBuf request = Unpooled.buffer();
    RealtimeHeader.write(
        request, 0, 0, 0, PacketKind.CONNECT_REQUEST, RealtimeHeader.FLAG_ACK_DELAY, 0);
    request.writeByte(1);
    assertThat(RealtimeHeader.flagsValid(request, PacketKind.CONNECT_REQUEST)).isFalse();

    ByteBuf cut = Unpooled.buffer();
    RealtimeHeader.write(cut, 1, 0, 0, PacketKind.KEEPALIVE, RealtimeHeader.FLAG_ACK_DELAY, 0);
    assertThat(RealtimeHeader.flagsValid(cut, PacketKind.KEEPALIVE)).isFalse();

    ByteBuf other = Unpooled.buffer();
    RealtimeHeader.write(other, 1, 0, 0, PacketKind.PAYLOAD, 0x20, 0);
    other.writeByte(0);
    assertThat(RealtimeHeader.flagsValid(other, PacketKind.PAYLOAD)).isFalse();
  }
}
