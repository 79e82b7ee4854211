package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class BitWriterReaderTest {

  /** One write: kind 0 = raw bits, 1 = varint, 2 = signed. */
  record Op(int kind, long value, int n) {}

  @Property(tries = 300)
  void whatIsWrittenReadsBackAfterAnyRewinds(@ForAll long seed) throws MalformedMessageException {
    Random random = new Random(seed);
    ByteBuf buf = Unpooled.buffer();
    BitWriter w = new BitWriter().reset(buf);
    List<Op> kept = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      long mark = w.mark();
      int keptBefore = kept.size();
      for (int j = random.nextInt(4); j >= 0; j--) {
        Op op = randomOp(random);
        long before = w.mark();
        write(w, op);
        kept.add(op);
        int size =
            switch (op.kind()) {
              case 0 -> op.n();
              case 1 -> BitWriter.varintBits(op.value(), op.n());
              default -> BitWriter.varintBits(BitWriter.zigzag(op.value()), op.n());
            };
        assertThat(w.mark() - before).as("bits of %s", op).isEqualTo(size);
      }
      if (random.nextInt(3) == 0) {
        w.rewind(mark);
        kept.subList(keptBefore, kept.size()).clear();
        assertThat(w.mark()).isEqualTo(mark);
      }
    }
    w.finish();
    BitReader r = new BitReader().reset(buf);
    for (Op op : kept) {
      long got =
          switch (op.kind()) {
            case 0 -> r.bits(op.n());
            case 1 -> r.varint(op.n());
            default -> r.signed(op.n());
          };
      long want = op.kind() == 0 && op.n() < 64 ? op.value() & ((1L << op.n()) - 1) : op.value();
      assertThat(got).as("seed %d, %s", seed, op).isEqualTo(want);
    }
    r.expectEnd();
  }

  private static Op randomOp(Random random) {
    int kind = random.nextInt(3);
    long value =
        switch (random.nextInt(4)) {
          case 0 -> random.nextInt(4);
          case 1 -> random.nextInt(1000) - 500;
          case 2 -> random.nextLong();
          default -> random.nextBoolean() ? Long.MIN_VALUE : -1L;
        };
    int n = kind == 0 ? random.nextInt(65) : random.nextInt(9);
    return new Op(kind, value, n);
  }

  private static void write(BitWriter w, Op op) {
    switch (op.kind()) {
      case 0 -> w.bits(op.value(), op.n());
      case 1 -> w.varint(op.value(), op.n());
      default -> w.signed(op.value(), op.n());
    }
  }

  @Test
  void varintMatchesTheDocumentedCode() {
    assertThat(bits(w -> w.varint(0, 0))).isEqualTo("0");
    assertThat(bits(w -> w.varint(1, 0))).isEqualTo("10");
    assertThat(bits(w -> w.varint(2, 0))).isEqualTo("1100");
    assertThat(bits(w -> w.varint(3, 0))).isEqualTo("1101");
    assertThat(bits(w -> w.varint(15, 4))).isEqualTo("01111");
    assertThat(bits(w -> w.varint(16, 4))).isEqualTo("100000");
    assertThat(bits(w -> w.signed(-1, 0))).isEqualTo("10");
    assertThat(BitWriter.varintBits(100, 4)).isEqualTo(10);
    assertThat(BitWriter.varintBits(-1L, 0)).isEqualTo(127);
    assertThat(bits(w -> w.varint(-1L, 0))).hasSize(127);
  }

  @Test
  void readingPastTheEndFailsAsMalformed() {
    BitReader r = new BitReader().reset(Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF}));
    assertThatThrownBy(() -> r.varint(0))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("truncated");
    BitReader padded = new BitReader().reset(Unpooled.wrappedBuffer(new byte[] {0x01}));
    assertThatThrownBy(
            () -> {
              padded.bits(4);
              padded.expectEnd();
            })
        .hasMessageContaining("padding");
  }

  /** The bits a script writes, as a string of 0 and 1 without the padding. */
  private static String bits(java.util.function.Consumer<BitWriter> script) {
    ByteBuf buf = Unpooled.buffer();
    BitWriter w = new BitWriter().reset(buf);
    script.accept(w);
    int n = (int) w.mark();
    w.finish();
    StringBuilder sb = new StringBuilder();
    for (byte b : ByteBufUtil.getBytes(buf)) {
      sb.append(String.format("%8s", Integer.toBinaryString(b & 0xFF)).replace(' ', '0'));
    }
    return sb.substring(0, n);
  }
}
