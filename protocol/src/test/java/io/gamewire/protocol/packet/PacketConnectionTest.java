package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PacketConnectionTest {
  static final String HELLO =
      "00000023 00000001 0000 82 a7 \"version\" a5 \"0.2.0\" ac \"protoversion\" 02";
  static final String SETTYPE_CLASSIC = "00000018 00000002 0000 81 a8 \"conntype\" a7 \"classic\"";
  static final String HANDSHAKE_ACCEPT = "00000010 00000004 0000 81 a7 \"success\" c3";
  static final String CLOSE_USERREQUEST =
      "0000001a 00000010 0000 81 a6 \"reason\" ab \"userrequest\"";

  static PacketRegistry chatRegistry() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    b.register("chat:join");
    b.register("chat:message");
    return b.build();
  }

  @Test
  void classicHandshakeSpeaksTheCapturedBytes() {
    try (Pair p = Pair.classic(chatRegistry()).start()) {
      assertThat(p.server.isEstablished()).isTrue();
      assertThat(p.client.isEstablished()).isTrue();
      assertThat(p.serverEvents.handshakeComplete).isTrue();
      assertThat(p.clientEvents.handshakeComplete).isTrue();
      assertThat(Hex.format(p.serverWrites.get(0))).isEqualTo(Hex.format(Hex.parse(HELLO)));
      assertThat(Hex.format(p.clientWrites.get(0)))
          .isEqualTo(Hex.format(Hex.parse(SETTYPE_CLASSIC)));
      assertThat(Hex.format(p.clientWrites.get(1)))
          .isEqualTo(Hex.format(Hex.parse(HANDSHAKE_ACCEPT)));
      assertThat(p.server.connectionType()).isEqualTo(ConnectionType.CLASSIC);
    }
  }

  @Test
  void closeSendsReasonAndPeerClosesWithoutAnswering() {
    try (Pair p = Pair.classic(chatRegistry()).start()) {
      int before = p.serverWrites.size();
      p.client.close(CloseReasons.USER_REQUEST);
      ByteBuf out = p.client.pollOutput();
      byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(out);
      assertThat(Hex.format(bytes)).isEqualTo(Hex.format(Hex.parse(CLOSE_USERREQUEST)));
      assertThat(p.client.isCloseRequested()).isTrue();
      p.server.handleData(p.clock.nanos(), out);
      assertThat(p.serverEvents.closeReason).isEqualTo("userrequest");
      assertThat(p.serverEvents.closedByPeer).isTrue();
      assertThat(p.server.pollOutput()).isNull();
      assertThat(p.serverWrites).hasSize(before);
      assertThat(p.clientEvents.closeCount).isEqualTo(1);
      p.client.close("again");
      assertThat(p.clientEvents.closeCount).isEqualTo(1);
    }
  }

  @Test
  void packetsFlowBothWaysAfterHandshake() {
    PacketRegistry r = chatRegistry();
    try (Pair p = Pair.classic(r).start()) {
      assertThat(p.client.send("chat:message", Map.of("message", "hi", "timestamp", 1.25)))
          .isTrue();
      assertThat(p.server.send("chat:join", Map.of("nickname", "ann"))).isTrue();
      p.pump();
      assertThat(p.serverEvents.bodies).containsExactly(Map.of("message", "hi", "timestamp", 1.25));
      assertThat(p.clientEvents.bodies).containsExactly(Map.of("nickname", "ann"));
      assertThat(p.server.traffic().packetsIn()).isEqualTo(3); // settype, accept, message
    }
  }

  @Test
  void strictSyncClosesOnRegistryMismatchNamingThePackets() {
    PacketRegistry.Builder sb = PacketRegistry.builder();
    sb.register("game:move");
    sb.register("game:chat");
    PacketRegistry.Builder cb = PacketRegistry.builder();
    cb.register("game:chat");
    cb.register("game:move");
    try (Pair p = new Pair(sb.build(), cb.build(), PacketConfig.DEFAULT).start()) {
      assertThat(p.clientEvents.closeReason).isEqualTo(CloseReasons.REGISTRY_MISMATCH);
      assertThat(p.client.closeDetail()).contains("'game:move' (id 65 here, 64 on the server)");
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.REGISTRY_MISMATCH);
      assertThat(p.serverEvents.closedByPeer).isTrue();
    }
  }

  @Test
  void adoptIdsRoutesPacketsByNameWhenIdsDiffer() {
    PacketRegistry.Builder sb = PacketRegistry.builder();
    PacketType<Object> serverMove = sb.register("game:move");
    sb.register("game:chat");
    PacketRegistry.Builder cb = PacketRegistry.builder();
    PacketType<Object> clientChat = cb.register("game:chat");
    PacketType<Object> clientMove = cb.register("game:move");
    PacketConfig adopt = PacketConfig.builder().registrySync(RegistrySync.ADOPT_IDS).build();
    try (Pair p = new Pair(sb.build(), cb.build(), adopt).start()) {
      assertThat(p.client.isEstablished()).isTrue();
      p.client.send(clientMove, "north");
      p.client.send(clientChat, "hello");
      p.server.send(serverMove, "south");
      p.pump();
      assertThat(p.serverEvents.types)
          .extracting(PacketType::name)
          .containsExactly("game:move", "game:chat");
      assertThat(p.serverEvents.bodies).containsExactly("north", "hello");
      assertThat(p.clientEvents.types).containsExactly(clientMove);
    }
  }

  @Test
  void adoptIdsStillClosesWhenNamesDiffer() {
    PacketRegistry.Builder sb = PacketRegistry.builder();
    sb.register("game:move");
    PacketRegistry.Builder cb = PacketRegistry.builder();
    cb.register("game:jump");
    PacketConfig adopt = PacketConfig.builder().registrySync(RegistrySync.ADOPT_IDS).build();
    try (Pair p = new Pair(sb.build(), cb.build(), adopt).start()) {
      assertThat(p.clientEvents.closeReason).isEqualTo(CloseReasons.REGISTRY_MISMATCH);
      assertThat(p.client.closeDetail())
          .contains("only on the client: [game:jump]")
          .contains("only on the server: [game:move]");
    }
  }

  @Test
  void adoptCommonKeepsSharedPacketsAndRefusesToSendUnknownOnes() {
    PacketRegistry.Builder sb = PacketRegistry.builder();
    sb.register("game:move");
    PacketRegistry.Builder cb = PacketRegistry.builder();
    PacketType<Object> jump = cb.register("game:jump");
    PacketType<Object> move = cb.register("game:move");
    PacketConfig lenient = PacketConfig.builder().registrySync(RegistrySync.ADOPT_COMMON).build();
    try (Pair p = new Pair(sb.build(), cb.build(), lenient).start()) {
      assertThat(p.client.isEstablished()).isTrue();
      assertThatThrownBy(() -> p.client.send(jump, 1L))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("server does not know packet game:jump");
      p.client.send(move, 2L);
      p.pump();
      assertThat(p.serverEvents.bodies).containsExactly(2L);
    }
  }

  @Test
  void clientClosesOnProtocolVersionMismatch() {
    Recorder events = new Recorder();
    PacketConnection client =
        PacketConnection.client(
            PacketConfig.DEFAULT, chatRegistry(), ConnectionType.CLASSIC, Pair.ALLOC, events, 0);
    client.start(0);
    ByteBuf hello =
        Unpooled.wrappedBuffer(
            Hex.parse(
                "00000023 00000001 0000 82 a7 \"version\" a5 \"0.3.0\" ac \"protoversion\" 03"));
    client.handleData(0, hello);
    assertThat(events.closeReason).isEqualTo(CloseReasons.PROTOCOL_VERSION_MISMATCH);
    assertThat(client.closeDetail()).contains("protocol version 3");
    client.close();
  }

  @Test
  void serverClosesOnUnknownConnectionType() {
    try (Pair p =
        new Pair(
                chatRegistry(),
                chatRegistry(),
                PacketConfig.DEFAULT,
                PacketConfig.DEFAULT,
                new ConnectionType("spectator", true),
                List.of(),
                null)
            .start()) {
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.UNKNOWN_CONNECTION_TYPE);
      assertThat(p.clientEvents.closeReason).isEqualTo(CloseReasons.UNKNOWN_CONNECTION_TYPE);
      assertThat(p.clientEvents.closedByPeer).isTrue();
    }
  }

  @Test
  void customConnectionTypeWithoutSyncIsEstablishedAfterSetType() {
    ConnectionType relay = new ConnectionType("relay", false);
    try (Pair p =
        new Pair(
                chatRegistry(),
                chatRegistry(),
                PacketConfig.DEFAULT,
                PacketConfig.DEFAULT,
                relay,
                List.of(relay),
                null)
            .start()) {
      assertThat(p.server.isEstablished()).isTrue();
      assertThat(p.client.isEstablished()).isTrue();
      assertThat(p.server.connectionType()).isEqualTo(relay);
      assertThat(p.clientWrites).hasSize(1); // settype only: no handshake.accept
    }
  }

  @Test
  void pingAnswersWithServerDataAndTheRequestEchoed() {
    PacketConnection.PingResponder responder = (conn, req) -> Map.of("users", 3L);
    try (Pair p =
        new Pair(
                chatRegistry(),
                null,
                PacketConfig.DEFAULT,
                PacketConfig.DEFAULT,
                ConnectionType.PING,
                List.of(),
                responder)
            .start()) {
      assertThat(p.clientEvents.ping).isNotNull();
      assertThat(p.clientEvents.ping.data()).containsEntry("users", 3L);
      assertThat(p.clientEvents.ping.data()).doesNotContainKey("oldmsg");
      assertThat(p.clientEvents.ping.data().get("peng3dnet"))
          .isEqualTo(Map.of("version", "0.2.0", "release", "0.2.0", "protoversion", 2L));
      assertThat(p.clientEvents.closeReason).isEqualTo(CloseReasons.PING_COMPLETE);
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.PING_COMPLETE);
      assertThat(p.serverEvents.handshakeComplete).isFalse();
      // request: settype ping then packet 64 with the time
      assertThat(Hex.format(p.clientWrites.get(0)))
          .contains(Hex.format("ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
  }

  @Test
  void failingPingResponderStillGetsTheClientAnAnswer() {
    PacketConnection.PingResponder broken =
        (conn, req) -> {
          throw new IllegalStateException("database down");
        };
    try (Pair p =
        new Pair(
                chatRegistry(),
                null,
                PacketConfig.DEFAULT,
                PacketConfig.DEFAULT,
                ConnectionType.PING,
                List.of(),
                broken)
            .start()) {
      assertThat(p.clientEvents.ping).isNotNull();
      assertThat(p.clientEvents.ping.data()).containsKey("peng3dnet").doesNotContainKey("users");
    }
  }

  @Test
  void pingReplyArrivingAtServerClosesWithInvalidSide() {
    Recorder events = new Recorder();
    PacketConnection server =
        PacketConnection.server(
            PacketConfig.DEFAULT, chatRegistry(), List.of(), null, Pair.ALLOC, events, 0);
    server.start(0);
    server.pollOutput().release();
    server.handleData(
        0,
        Unpooled.wrappedBuffer(Hex.parse("00000015 00000002 0000 81 a8 \"conntype\" a4 \"ping\"")));
    server.handleData(0, Unpooled.wrappedBuffer(Hex.parse("00000007 00000041 0000 80")));
    assertThat(events.closeReason).isEqualTo(CloseReasons.PING_INVALID_SIDE);
    server.close();
  }

  @Test
  void pingRequestTooLargeToEchoClosesInsteadOfThrowing() {
    // The reply carries the request as oldmsg, so a request that fits the maximum frame length
    // can make a reply that does not. Found by reading the code while writing the fuzz target;
    // the same input is in the corpus as ping-request-too-large-to-echo.
    PacketConfig config = PacketConfig.builder().maxFrameBytes(1024).compression(false).build();
    Recorder events = new Recorder();
    PacketConnection server =
        PacketConnection.server(config, chatRegistry(), List.of(), null, Pair.ALLOC, events, 0);
    server.start(0);
    server.pollOutput().release();
    server.handleData(
        0,
        Unpooled.wrappedBuffer(Hex.parse("00000015 00000002 0000 81 a8 \"conntype\" a4 \"ping\"")));
    Map<Object, Object> request = new java.util.LinkedHashMap<>();
    request.put("time", 1.7e9);
    request.put("pad", "x".repeat(990));
    ByteBuf frame = Pair.ALLOC.buffer();
    try (FrameEncoder encoder = new FrameEncoder(Pair.ALLOC, 1024, false, 8192, 6)) {
      encoder.encode(frame, PacketIds.PING_REQUEST, PacketCodec.map(), request);
    }
    assertThat(frame.readableBytes()).isLessThanOrEqualTo(4 + 1024);

    server.handleData(0, frame);

    assertThat(events.closeReason).isEqualTo(CloseReasons.INVALID_PING_PACKET);
    assertThat(server.closeDetail()).contains("maximum");
    ByteBuf out = server.pollOutput();
    assertThat(Hex.format(io.netty.buffer.ByteBufUtil.getBytes(out)))
        .isEqualTo(
            Hex.format(
                Hex.parse("00000020 00000010 0000 81 a6 \"reason\" b1 \"invalidpingpacket\"")));
    out.release();
    server.close();
  }

  @Test
  void otherPacketOnPingConnectionClosesWithInvalidPingPacket() {
    Recorder events = new Recorder();
    PacketConnection server =
        PacketConnection.server(
            PacketConfig.DEFAULT, chatRegistry(), List.of(), null, Pair.ALLOC, events, 0);
    server.start(0);
    server.pollOutput().release();
    server.handleData(
        0,
        Unpooled.wrappedBuffer(Hex.parse("00000015 00000002 0000 81 a8 \"conntype\" a4 \"ping\"")));
    server.handleData(0, Unpooled.wrappedBuffer(Hex.parse("00000007 00000046 0000 80")));
    assertThat(events.closeReason).isEqualTo(CloseReasons.INVALID_PING_PACKET);
    server.close();
  }

  @Test
  void handshakeTimesOutOnTheFakeClock() {
    PacketConfig cfg = PacketConfig.builder().handshakeTimeout(Duration.ofSeconds(3)).build();
    Recorder events = new Recorder();
    PacketConnection server =
        PacketConnection.server(cfg, chatRegistry(), List.of(), null, Pair.ALLOC, events, 0);
    server.start(0);
    assertThat(server.nextDeadlineNanos()).isEqualTo(3_000_000_000L);
    server.handleTimeout(2_999_999_999L);
    assertThat(server.isClosed()).isFalse();
    server.handleTimeout(3_000_000_000L);
    assertThat(events.closeReason).isEqualTo(CloseReasons.HANDSHAKE_TIMEOUT);
    assertThat(server.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
    server.close();
  }

  @Test
  void idleTimeoutClosesAQuietConnectionOnly() {
    PacketConfig cfg = PacketConfig.builder().idleTimeout(Duration.ofSeconds(5)).build();
    PacketRegistry r = chatRegistry();
    try (Pair p = new Pair(r, r, cfg).start()) {
      long t = p.clock.advanceMillis(4000);
      p.client.send("chat:message", "still here");
      p.pump();
      p.server.handleTimeout(p.clock.advanceMillis(4000));
      assertThat(p.server.isClosed()).isFalse();
      p.server.handleTimeout(p.clock.advanceTo(p.server.nextDeadlineNanos()));
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.IDLE_TIMEOUT);
      assertThat(t).isPositive();
    }
  }

  @Test
  void applicationPacketBeforeHandshakeClosesTheConnection() {
    PacketRegistry r = chatRegistry();
    Recorder events = new Recorder();
    PacketConnection server =
        PacketConnection.server(PacketConfig.DEFAULT, r, List.of(), null, Pair.ALLOC, events, 0);
    server.start(0);
    server.handleData(0, Unpooled.wrappedBuffer(Hex.parse("00000007 00000040 0000 c0")));
    assertThat(events.closeReason).isEqualTo(CloseReasons.SMART_PACKET_INVALID);
    server.close();
  }

  @Test
  void unknownPacketIdClosesWithUnknownPacket() {
    try (Pair p = Pair.classic(chatRegistry()).start()) {
      p.server.handleData(
          p.clock.nanos(), Unpooled.wrappedBuffer(Hex.parse("00000007 00000099 0000 c0")));
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.UNKNOWN_PACKET);
    }
  }

  @Test
  void malformedBodyClosesWithMalformedPacket() {
    try (Pair p = Pair.classic(chatRegistry()).start()) {
      // packet 64 whose body claims a 5-byte string but holds 1 byte
      p.server.handleData(
          p.clock.nanos(), Unpooled.wrappedBuffer(Hex.parse("00000008 00000040 0000 a5 41")));
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.MALFORMED_PACKET);
    }
  }

  @Test
  void aesFlagClosesWithEncryptionUnsupported() {
    try (Pair p = Pair.classic(chatRegistry()).start()) {
      p.server.handleData(
          p.clock.nanos(), Unpooled.wrappedBuffer(Hex.parse("00000007 00000040 0002 c0")));
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.ENCRYPTION_UNSUPPORTED);
      assertThat(p.clientEvents.closeReason).isNull();
      p.pump();
      assertThat(p.clientEvents.closeReason).isEqualTo(CloseReasons.ENCRYPTION_UNSUPPORTED);
    }
  }

  @Test
  void endOfStreamClosesWithSocketClose() {
    try (Pair p = Pair.classic(chatRegistry()).start()) {
      p.server.handleEndOfStream(p.clock.nanos());
      assertThat(p.serverEvents.closeReason).isEqualTo(CloseReasons.SOCKET_CLOSE);
      assertThat(p.serverEvents.closedByPeer).isTrue();
    }
  }

  @Test
  void sendingInternalOrForeignPacketsIsACallerMistake() {
    PacketRegistry r = chatRegistry();
    PacketRegistry other = chatRegistry();
    try (Pair p = Pair.classic(r).start()) {
      assertThatThrownBy(() -> p.client.send(PacketIds.HELLO_NAME, Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("internal");
      @SuppressWarnings("unchecked")
      PacketType<Object> foreign = (PacketType<Object>) other.byName("chat:join");
      assertThatThrownBy(() -> p.client.send(foreign, "x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not from this connection's registry");
      assertThatThrownBy(() -> p.client.send("chat:nothing", "x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no packet named 'chat:nothing'");
    }
  }
}
