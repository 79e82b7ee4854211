package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class MessageFormatTest {
  record Rec(
      int channel,
      DeliveryMode mode,
      int id,
      boolean fragment,
      int index,
      int count,
      byte[] body) {}

  static ByteBuf encode(List<Rec> recs) {
    ByteBuf out = Unpooled.buffer();
    for (Rec r : recs) {
      ByteBuf body = Unpooled.wrappedBuffer(r.body());
      int before = out.writerIndex();
      MessageFormat.write(
          out,
          r.channel(),
          r.mode(),
          r.id(),
          r.fragment(),
          r.index(),
          r.count(),
          body,
          0,
          r.body().length);
      assertThat(out.writerIndex() - before)
          .isEqualTo(
              MessageFormat.overhead(r.mode(), r.fragment(), r.body().length) + r.body().length);
    }
    return out;
  }

  @Test
  void writesTheDocumentedLayout() {
    ByteBuf out =
        encode(
            List.of(
                new Rec(3, DeliveryMode.UNRELIABLE, 0, false, 0, 1, new byte[] {1, 2}),
                new Rec(1, DeliveryMode.RELIABLE_ORDERED, 0x1234, true, 2, 5, new byte[] {9})));
    assertThat(Hex.format(ByteBufUtil.getBytes(out)))
        .isEqualTo(
            "03" + "00" + "02" + "0102" + "01" + "07" + "1234" + "0002" + "0005" + "01" + "09");
  }

  @Provide
  Arbitrary<Rec> records() {
    Arbitrary<Integer> channel = Arbitraries.integers().between(0, 254);
    Arbitrary<DeliveryMode> mode = Arbitraries.of(DeliveryMode.class);
    Arbitrary<Integer> id = Arbitraries.integers().between(0, 65535);
    Arbitrary<Boolean> fragment = Arbitraries.of(true, false);
    Arbitrary<Integer> count = Arbitraries.integers().between(1, 65535);
    Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
    return Combinators.combine(channel, mode, id, fragment, count, body)
        .as(
            (c, m, i, f, n, b) ->
                new Rec(
                    c, m, m.hasId() || f ? i : -1, f, f ? Math.floorMod(i, n) : 0, f ? n : 1, b));
  }

  @Property(tries = 300)
  void readsBackEveryRecord(
      @ForAll @Size(min = 1, max = 6) List<@net.jqwik.api.From("records") Rec> recs) {
    ByteBuf payload = encode(recs);
    MessageFormat.Cursor c = new MessageFormat.Cursor();
    assertThat(c.validate(payload)).isEqualTo(recs.size());
    List<Rec> back = new ArrayList<>();
    while (c.next()) {
      back.add(
          new Rec(
              c.channel(),
              c.mode(),
              c.messageId(),
              c.isFragment(),
              c.fragmentIndex(),
              c.fragmentCount(),
              ByteBufUtil.getBytes(c.body())));
    }
    assertThat(back).usingRecursiveFieldByFieldElementComparator().isEqualTo(recs);
  }

  @Property(tries = 100)
  void everyTruncationIsRejected(
      @ForAll @Size(min = 1, max = 3) List<@net.jqwik.api.From("records") Rec> recs) {
    byte[] whole = ByteBufUtil.getBytes(encode(recs));
    MessageFormat.Cursor c = new MessageFormat.Cursor();
    for (int cut = 0; cut < whole.length; cut++) {
      ByteBuf part = Unpooled.wrappedBuffer(whole, 0, cut);
      int n = c.validate(part);
      // a cut may land exactly between two records: then it is a valid, shorter payload
      assertThat(n).isLessThan(recs.size());
    }
  }

  @Property(tries = 1000)
  void arbitraryBytesNeverThrowOrReadOutside(@ForAll @Size(max = 64) byte[] junk) {
    ByteBuf b = Unpooled.buffer(junk.length + 8);
    b.writeBytes(new byte[] {(byte) 0xee, (byte) 0xee});
    b.readerIndex(2);
    b.writeBytes(junk);
    b.writeBytes(new byte[] {(byte) 0xdd, (byte) 0xdd});
    b.writerIndex(2 + junk.length); // sentinels outside the readable region
    MessageFormat.Cursor c = new MessageFormat.Cursor();
    int n = c.validate(b);
    if (n > 0) {
      int count = 0;
      while (c.next()) {
        assertThat(c.bodyOffset()).isGreaterThanOrEqualTo(2);
        assertThat(c.bodyOffset() + c.bodyLength()).isLessThanOrEqualTo(2 + junk.length);
        count++;
      }
      assertThat(count).isEqualTo(n);
    }
  }

  @Test
  void rejectsReservedBitsChannel255BadFragmentsAndLongVarints() {
    MessageFormat.Cursor c = new MessageFormat.Cursor();
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("00 08 01 aa"))))
        .isEqualTo(-1); // flag bit 3
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("ff 00 01 aa"))))
        .isEqualTo(-1); // channel 255
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("00 04 0001 0005 0005 01 aa"))))
        .isEqualTo(-1); // index 5 of 5
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("00 04 0001 0000 0000 01 aa"))))
        .isEqualTo(-1); // count 0
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("00 00 80 00"))))
        .isEqualTo(-1); // non-minimal
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("00 00 ff ff ff 01"))))
        .isEqualTo(-1); // 4 bytes
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("")))).isEqualTo(-1); // empty payload
    assertThat(c.validate(Unpooled.wrappedBuffer(Hex.parse("00 00 00"))))
        .isEqualTo(1); // empty message
  }
}
