package io.gamewire.protocol.pygase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The captured datagrams of docs/PYGASE.md (spec section 3) decode and re-encode identically. */
class PygaseCodecTest {
  static final String CLIENT_FIRST = "ffd0fab9 0001 0000 00000000 0000";
  static final String SERVER_FIRST =
      "ffd0fab9 0001 0001 00000000 0031 85 a3\"pos\" 00 a1\"f\" ca3f000000 a6\"nested\" 81 a1\"a\""
          + " 01 ab\"game_status\" 01 aa\"time_order\" 1a";
  static final String SERVER_LATER = "ffd0fab9 0003 0003 c0000000 000d 81 aa\"time_order\" 1c";
  static final String CLIENT_EVENT =
      "ffd0fab9 0015 0014 ffffe000 0032 002a 83 a4\"type\" a4\"MOVE\" ac\"handler_args\" 91 05"
          + " ae\"handler_kwargs\" 80";

  final PygaseCodec codec = new PygaseCodec();

  static ByteBuf wire(String spec) {
    return Unpooled.wrappedBuffer(Hex.parse(spec));
  }

  byte[] encodeClient(PygaseClientPackage p) {
    List<byte[]> events = new ArrayList<>();
    for (PygaseEvent e : p.events()) {
      events.add(codec.encodeEvent(e));
    }
    ByteBuf out = Unpooled.buffer();
    PygaseCodec.writeClientPackage(
        out, p.sequence(), p.ack(), p.ackBitfield(), p.timeOrder(), events);
    return ByteBufUtil.getBytes(out);
  }

  byte[] encodeServer(PygaseServerPackage p) {
    ByteBuf out = Unpooled.buffer();
    assertThat(codec.writeServerPackage(out, p.sequence(), p.ack(), p.ackBitfield(), p.update()))
        .isTrue();
    for (PygaseEvent e : p.events()) {
      PygaseCodec.appendEvent(out, codec.encodeEvent(e));
    }
    return ByteBufUtil.getBytes(out);
  }

  @Test
  void decodesTheFirstClientPackage() throws Exception {
    PygaseClientPackage p = codec.decodeClientPackage(wire(CLIENT_FIRST));
    assertThat(p).isEqualTo(new PygaseClientPackage(1, 0, 0, 0, List.of()));
    assertThat(encodeClient(p)).isEqualTo(Hex.parse(CLIENT_FIRST));
  }

  @Test
  void decodesTheFullStateAndEncodesItIdentically() throws Exception {
    PygaseServerPackage p = codec.decodeServerPackage(wire(SERVER_FIRST));
    assertThat(p.sequence()).isEqualTo(1);
    assertThat(p.ack()).isEqualTo(1);
    assertThat(p.ackBitfield()).isZero();
    assertThat(p.update().timeOrder()).isEqualTo(26);
    assertThat(p.update().gameStatus()).isEqualTo(GameStatus.ACTIVE);
    assertThat(p.update().changes())
        .containsExactly(
            Map.entry("pos", 0L), Map.entry("f", 0.5), Map.entry("nested", Map.of("a", 1L)));
    assertThat(p.events()).isEmpty();
    assertThat(encodeServer(p)).isEqualTo(Hex.parse(SERVER_FIRST));
  }

  @Test
  void encodesTheFullStateFromTheModel() {
    Map<Object, Object> state = new LinkedHashMap<>();
    state.put("pos", 0);
    state.put("f", 0.5f);
    state.put("nested", Map.of("a", 1));
    PygaseUpdate full = new PygaseUpdate(26, GameStatus.ACTIVE, StateTree.freeze(state, false));
    PygaseServerPackage p = new PygaseServerPackage(1, 1, 0, full, List.of());
    assertThat(encodeServer(p)).isEqualTo(Hex.parse(SERVER_FIRST));
  }

  @Test
  void decodesAnEmptyDeltaWithTheAckBitfield() throws Exception {
    PygaseServerPackage p = codec.decodeServerPackage(wire(SERVER_LATER));
    assertThat(p.ackBitfield()).isEqualTo(0xc0000000);
    assertThat(p.update()).isEqualTo(new PygaseUpdate(28, null, StateTree.EMPTY));
    assertThat(encodeServer(p)).isEqualTo(Hex.parse(SERVER_LATER));
  }

  @Test
  void decodesAClientEventAndEncodesItIdentically() throws Exception {
    PygaseClientPackage p = codec.decodeClientPackage(wire(CLIENT_EVENT));
    assertThat(p.sequence()).isEqualTo(21);
    assertThat(p.ack()).isEqualTo(20);
    assertThat(p.ackBitfield()).isEqualTo(0xffffe000);
    assertThat(p.timeOrder()).isEqualTo(50);
    assertThat(p.events()).containsExactly(new PygaseEvent("MOVE", List.of(5L), Map.of()));
    assertThat(encodeClient(p)).isEqualTo(Hex.parse(CLIENT_EVENT));
    ByteBuf built = Unpooled.buffer();
    PygaseCodec.writeClientPackage(
        built, 21, 20, 0xffffe000, 50, List.of(codec.encodeEvent(PygaseEvent.of("MOVE", 5))));
    assertThat(ByteBufUtil.getBytes(built)).isEqualTo(Hex.parse(CLIENT_EVENT));
  }

  @Test
  void deleteMarkerTravelsAsPygaseBin() throws Exception {
    Map<Object, Object> changes = new LinkedHashMap<>();
    changes.put("gone", StateTree.DELETE);
    changes.put("players", Map.of(7L, StateTree.DELETE));
    PygaseUpdate u = new PygaseUpdate(3, null, changes);
    byte[] bytes = codec.encodeUpdate(u);
    assertThat(Hex.format(bytes))
        .isEqualTo(
            Hex.format(
                Hex.parse(
                    "83 a4\"gone\" c404d281e5ba a7\"players\" 81 07 c404d281e5ba"
                        + " aa\"time_order\" 03")));
    ByteBuf out = Unpooled.buffer();
    codec.writeServerPackage(out, 1, 0, 0, u);
    PygaseServerPackage back = codec.decodeServerPackage(out);
    assertThat(back.update().changes().get("gone")).isSameAs(StateTree.DELETE);
    assertThat(((Map<?, ?>) back.update().changes().get("players")).get(7L))
        .isSameAs(StateTree.DELETE);
  }

  @Test
  void eventsWithKeywordsAndNestedValuesRoundTrip() throws Exception {
    PygaseEvent e =
        PygaseEvent.of(
            "JOIN",
            List.of("ann", List.of(1, 2.5f), Map.of("k", true)),
            Map.of("color", "red", "blob", new byte[] {1, 2}));
    ByteBuf out = Unpooled.buffer();
    codec.writeServerPackage(out, 9, 8, 0, new PygaseUpdate(1, null, StateTree.EMPTY));
    for (int i = 0; i < 5; i++) {
      PygaseCodec.appendEvent(out, codec.encodeEvent(e));
    }
    PygaseServerPackage p = codec.decodeServerPackage(out);
    assertThat(p.events()).hasSize(5);
    PygaseEvent back = p.events().get(0);
    assertThat(back.type()).isEqualTo("JOIN");
    assertThat(back.args()).isEqualTo(List.of("ann", List.of(1L, 2.5), Map.of("k", true)));
    assertThat(back.kwargs().get("color")).isEqualTo("red");
    assertThat((byte[]) back.kwargs().get("blob")).containsExactly(1, 2);
  }

  @Test
  void floatsAreNarrowedToFloat32() throws Exception {
    ByteBuf out = Unpooled.buffer();
    PygaseCodec.writeClientPackage(
        out, 1, 0, 0, 0, List.of(codec.encodeEvent(PygaseEvent.of("X", 0.1))));
    PygaseClientPackage p = codec.decodeClientPackage(out);
    assertThat(p.events().get(0).args().get(0)).isEqualTo((double) 0.1f);
  }

  @Test
  void refusesAnUpdateThatDoesNotFitAPackage() {
    Map<Object, Object> big = new LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      big.put((long) i, "xxxxxxxx");
    }
    ByteBuf out = Unpooled.buffer();
    out.writeByte(42);
    assertThat(codec.writeServerPackage(out, 1, 0, 0, new PygaseUpdate(1, null, big))).isFalse();
    assertThat(out.readableBytes()).isEqualTo(1);
  }

  @Test
  void refusesAnOversizedEventOrAForeignValueAtDispatch() {
    assertThatThrownBy(() -> codec.encodeEvent(PygaseEvent.of("BIG", "x".repeat(3000))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 2032 bytes");
    assertThatThrownBy(() -> PygaseEvent.of("BAD", new Object()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PygaseUpdate(1, null, Map.of("time_order", 3L)))
        .hasMessageContaining("reserved");
  }

  @Test
  void rejectsMalformedPackages() {
    String[] bad = {
      "", // empty
      "ffd0fab9 0001 0000 000000", // short header
      "ffd0fab8 0001 0000 00000000 0000", // other protocol id
      "ffd0fab9 0000 0000 00000000 0000", // sequence 0
      "ffd0fab9 0001 0000 00000000 0000 00", // stray byte
      "ffd0fab9 0001 0000 00000000 0000 0000", // empty event
      "ffd0fab9 0001 0000 00000000 0000 0005 81a1\"t\"01", // event claims more than remains
      "ffd0fab9 0001 0000 00000000 0000 0003 92 01 02", // event not a map
      "ffd0fab9 0001 0000 00000000 0000 0006 81 a4\"type\" 05", // type not a string
      "ffd0fab9 0001 0000 00000000 0000 0007 81 a4\"typo\" a1\"x\"", // unknown key
      "ffd0fab9 0001 0000 00000000 0000 0004 81 c0 a1\"x\"", // nil key
      "ffd0fab9 0001 0000 00000000 0000 0003 dd ffffff", // array claims 2^24 elements
    };
    for (String b : bad) {
      assertThatThrownBy(() -> codec.decodeClientPackage(wire(b)))
          .as(b)
          .isInstanceOf(MalformedMessageException.class);
    }
    String[] badServer = {
      "ffd0fab9 0001 0000 00000000 0000", // empty update
      "ffd0fab9 0001 0000 00000000 0009 81 aa\"time_order\"", // update claims more
      "ffd0fab9 0001 0000 00000000 0001 80", // no time_order
      "ffd0fab9 0001 0000 00000000 000f 81 aa\"time_order\" cd ffff 00", // trailing byte
      "ffd0fab9 0001 0000 00000000 000f 81 aa\"time_order\" ce 00010000", // time order > 65535
      "ffd0fab9 0001 0000 00000000 001a 82 aa\"time_order\" 01 ab\"game_status\" 02", // status 2
      "ffd0fab9 0001 0000 00000000 000f 82 aa\"time_order\" 01 c3 01", // boolean key
    };
    for (String b : badServer) {
      assertThatThrownBy(() -> codec.decodeServerPackage(wire(b)))
          .as(b)
          .isInstanceOf(MalformedMessageException.class);
    }
    ByteBuf tooLong = Unpooled.buffer();
    PygaseCodec.writeClientPackage(tooLong, 1, 0, 0, 0, List.of());
    tooLong.writeZero(PygaseWire.MAX_PACKAGE_BYTES);
    assertThatThrownBy(() -> codec.decodeClientPackage(tooLong))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void refusesASixthEvent() {
    ByteBuf out = Unpooled.buffer();
    byte[] e = codec.encodeEvent(PygaseEvent.of("E"));
    PygaseCodec.writeClientPackage(out, 1, 0, 0, 0, List.of(e, e, e, e, e, e));
    assertThatThrownBy(() -> codec.decodeClientPackage(out))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("more than 5 events");
  }

  @Test
  void claimsPackagesAndTheShutdownDatagramOnly() {
    assertThat(PygaseWire.claims(wire(CLIENT_FIRST))).isTrue();
    assertThat(PygaseWire.claims(Unpooled.copiedBuffer(PygaseWire.shutdownBytes()))).isTrue();
    assertThat(PygaseWire.claims(Unpooled.copiedBuffer("shutdown!".getBytes()))).isFalse();
    assertThat(PygaseWire.claims(wire("ffd0fa"))).isFalse();
    assertThat(PygaseWire.claims(wire("47570001 00"))).isFalse();
  }
}
