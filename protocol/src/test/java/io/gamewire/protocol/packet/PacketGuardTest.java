package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PacketGuardTest {
  PacketType<Object> guarded;
  PacketType<Object> closing;

  PacketRegistry registry(PacketGuard ignoreGuard, PacketGuard closeGuard) {
    PacketRegistry.Builder b = PacketRegistry.builder();
    guarded = b.register("game:guarded", PacketCodec.value(), ignoreGuard);
    closing = b.register("game:closing", PacketCodec.value(), closeGuard);
    return b.build();
  }

  @Test
  void wrongReceivingSideIsIgnoredOrClosesAsConfigured() {
    PacketGuard toServer = PacketGuard.smart().withReceivedBy(Side.SERVER);
    PacketRegistry r = registry(toServer, toServer.withOnViolation(InvalidAction.CLOSE));
    try (Pair p = Pair.classic(r).start()) {
      // the server may not send a packet only servers receive: ignored, nothing written
      assertThat(p.server.send(guarded, "x")).isFalse();
      assertThat(p.server.pollOutput()).isNull();
      assertThat(p.serverEvents.events).contains("ignored game:guarded");
      assertThat(p.client.send(guarded, "y")).isTrue();
      p.pump();
      assertThat(p.serverEvents.bodies).containsExactly("y");
      // sending the closing one from the wrong side closes
      assertThat(p.server.send(closing, "z")).isFalse();
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.SMART_PACKET_INVALID);
    }
  }

  @Test
  void receivingOnTheWrongSideIsCheckedOnArrivalToo() {
    // the client's registry thinks the packet goes to the client; the server's guard disagrees
    PacketRegistry.Builder sb = PacketRegistry.builder();
    sb.register(
        "game:x",
        PacketCodec.value(),
        PacketGuard.DEFAULT.withReceivedBy(Side.CLIENT).withOnViolation(InvalidAction.CLOSE));
    PacketRegistry.Builder cb = PacketRegistry.builder();
    PacketType<Object> x = cb.register("game:x");
    PacketConfig cfg = PacketConfig.DEFAULT;
    try (Pair p = new Pair(sb.build(), cb.build(), cfg).start()) {
      p.client.send(x, 1L);
      p.pump();
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.SMART_PACKET_INVALID);
      assertThat(p.clientEvents.closeReason).isEqualTo(CloseReasons.SMART_PACKET_INVALID);
    }
  }

  @Test
  void exactStateAndModeAreChecked() {
    PacketGuard loggedIn = PacketGuard.smart().withState(ConnectionState.LOGGEDIN);
    PacketGuard play =
        PacketGuard.DEFAULT.withMode(ConnectionMode.PLAY).withOnViolation(InvalidAction.IGNORE);
    PacketRegistry r = registry(loggedIn, play);
    try (Pair p = Pair.classic(r).start()) {
      assertThat(p.client.send(guarded, 1L)).isFalse();
      p.client.setState(ConnectionState.LOGGEDIN);
      p.server.setState(ConnectionState.LOGGEDIN);
      assertThat(p.client.send(guarded, 2L)).isTrue();
      assertThat(p.client.send(closing, 3L)).isFalse();
      p.client.setMode(ConnectionMode.PLAY);
      assertThat(p.client.send(closing, 4L)).isTrue();
      p.pump();
      // the server is not in PLAY mode: the arriving packet is ignored
      assertThat(p.serverEvents.bodies).containsExactly(2L);
      assertThat(p.serverEvents.events).contains("ignored game:closing");
      assertThat(p.server.ignoredPackets()).isEqualTo(1);
    }
  }

  @Test
  void connectionTypeAndMinimumSecurityAreChecked() {
    PacketGuard relayOnly = PacketGuard.smart().withConnectionType("relay");
    PacketGuard secure = PacketGuard.smart().withMinSecurity(SecurityLevel.SERVERAUTH);
    PacketRegistry r = registry(relayOnly, secure);
    try (Pair p = Pair.classic(r).start()) {
      assertThat(p.client.send(guarded, 1L)).isFalse();
      assertThat(p.client.send(closing, 1L)).isFalse();
      p.client.setSecurityLevel(SecurityLevel.ENCRYPTED);
      assertThat(p.client.send(closing, 1L)).isFalse();
      p.client.setSecurityLevel(SecurityLevel.BOTHAUTH);
      assertThat(p.client.send(closing, Map.of("ok", true))).isTrue();
    }
  }
}
