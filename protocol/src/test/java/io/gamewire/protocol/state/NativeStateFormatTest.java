package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The UPDATE message header of docs/STATE-SYNC.md: kind, u16 time order, varint back. */
class NativeStateFormatTest {
  final NativeStateFormat format = new NativeStateFormat(MsgpackLimits.DEFAULT);
  final StateDeltaCodec codec = new StateDeltaCodec(StateCodecConfig.EXACT);

  private String header(int base, int timeOrder) {
    ByteBuf out = Unpooled.buffer();
    Map<Object, Object> s = StateTree.EMPTY;
    format.writeUpdate(out, base, timeOrder, codec.encoder(), s, s);
    return ByteBufUtil.hexDump(out, 0, out.readableBytes() - 1); // the empty delta is one byte
  }

  @Test
  void theBaseTravelsAsStepsBackAcrossTheWrap() throws MalformedMessageException {
    assertThat(header(TimeOrder.NONE, 2)).isEqualTo("03" + "0002" + "00");
    assertThat(header(65535, 2)).isEqualTo("03" + "0002" + "02");
    assertThat(header(1000 - 200, 1000)).isEqualTo("03" + "03e8" + "c801");
    ByteBuf out = Unpooled.buffer();
    format.writeUpdate(out, 65534, 3, codec.encoder(), StateTree.EMPTY, StateTree.EMPTY);
    NativeStateFormat.Update u = format.readUpdate(out);
    assertThat(u.base()).isEqualTo(65534);
    assertThat(u.timeOrder()).isEqualTo(3);
    assertThat(u.delta().readableBytes()).isEqualTo(1);
  }

  @Test
  void aCallerCannotSendABaseThatIsNotOlder() {
    assertThatThrownBy(() -> header(5, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> header(6, 5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsMalformedHeaders() {
    for (String hex :
        new String[] {
          "03", // nothing after the kind
          "030001", // no base
          "030000" + "01", // time order 0
          "030005" + "80", // varint cut short
          "030005" + "80808001", // varint of 4 bytes
          "030005" + "808002", // back 32768, past half the ring
        }) {
      assertThatThrownBy(
              () -> format.readUpdate(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex))))
          .as(hex)
          .isInstanceOf(MalformedMessageException.class);
    }
  }
}
