package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.packet.InvalidAction;
import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketConfig;
import io.gamewire.protocol.packet.PacketGuard;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.packet.Side;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile and broken peers: every case ends in a close with a reason, never a hang or a crash. */
class BadInputTest {
  static final PacketRegistry REGISTRY;
  static final PacketType<Object> TO_CLIENT_ONLY;

  static {
    PacketRegistry.Builder b = PacketRegistry.builder();
    b.register("echo:echo", PacketCodec.string());
    b.register("echo:ping", PacketCodec.map());
    TO_CLIENT_ONLY =
        b.register(
            "game:state",
            PacketCodec.value(),
            PacketGuard.DEFAULT.withReceivedBy(Side.CLIENT).withOnViolation(InvalidAction.CLOSE));
    REGISTRY = b.build();
  }

  EchoFixture.ServerEvents events;
  PacketServer server;

  @BeforeEach
  void startServer() {
    events = new EchoFixture.ServerEvents();
    server =
        PacketServer.builder(REGISTRY)
            .bind("127.0.0.1:0")
            .ioThreadCount(1)
            .config(
                PacketConfig.builder()
                    .maxFrameBytes(64 * 1024)
                    .handshakeTimeout(Duration.ofMillis(700))
                    .build())
            .listener(events)
            .build()
            .start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  Socket connect() throws Exception {
    Socket s = new Socket("127.0.0.1", server.localAddress().getPort());
    s.setSoTimeout(5000);
    return s;
  }

  /** Reads the hello, sends settype classic, reads the handshake, accepts. */
  RawPeer handshake(Socket s) throws Exception {
    RawPeer p = new RawPeer(s.getInputStream(), s.getOutputStream());
    assertThat(p.readFrame().id()).isEqualTo(1);
    p.writeFrame(2, Map.of("conntype", "classic"));
    assertThat(p.readFrame().id()).isEqualTo(3);
    p.writeFrame(4, Map.of("success", true));
    return p;
  }

  void assertServerClosed(String reason) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                events.lines.stream()
                    .anyMatch(l -> l.startsWith("close ") && l.contains(" " + reason)));
    await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 0);
  }

  @Test
  void oversizedLengthPrefixClosesWithFrameTooLarge() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = handshake(s);
      p.writeBytes(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 64, 0, 0});
      assertThat(p.readUntilClose()).isEqualTo("frametoolarge");
    }
    assertServerClosed("frametoolarge");
  }

  @Test
  void httpRequestIsGarbageAndClosesCleanly() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = new RawPeer(s.getInputStream(), s.getOutputStream());
      p.writeBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(p.readUntilClose()).isEqualTo("frametoolarge");
    }
    assertServerClosed("frametoolarge");
  }

  @Test
  void decompressionBombClosesWithDecompressedTooLarge() throws Exception {
    Deflater d = new Deflater(9);
    d.setInput(new byte[16 * 1024 * 1024]);
    d.finish();
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (!d.finished()) {
      z.write(buf, 0, d.deflate(buf));
    }
    d.end();
    try (Socket s = connect()) {
      RawPeer p = handshake(s);
      p.writeRaw(64, 1, z.toByteArray());
      assertThat(p.readUntilClose()).isEqualTo("decompressedtoolarge");
    }
    assertServerClosed("decompressedtoolarge");
  }

  @Test
  void truncatedStreamEndsWithSocketClose() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = handshake(s);
      p.writeBytes(new byte[] {0, 0, 0, 50, 0, 0, 0, 64, 0}); // half a frame, then EOF
    }
    assertServerClosed("socketclose");
  }

  @Test
  void unknownConnectionTypeClosesWithReason() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = new RawPeer(s.getInputStream(), s.getOutputStream());
      p.readFrame();
      p.writeFrame(2, Map.of("conntype", "spectator"));
      assertThat(p.readUntilClose()).isEqualTo("unknownconntype");
    }
    assertServerClosed("unknownconntype");
  }

  @Test
  void guardedPacketFromTheWrongSideClosesWithSmartPacketInvalid() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = handshake(s);
      p.writeFrame(TO_CLIENT_ONLY.id(), Map.of("x", 1));
      assertThat(p.readUntilClose()).isEqualTo("smartpacketinvalid");
    }
    assertServerClosed("smartpacketinvalid");
  }

  @Test
  void aesFlagClosesWithEncryptionUnsupported() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = handshake(s);
      p.writeRaw(64, 2, new byte[] {(byte) 0xa1, 0x41});
      assertThat(p.readUntilClose()).isEqualTo("encryptionunsupported");
    }
    assertServerClosed("encryptionunsupported");
  }

  @Test
  void silentPeerIsClosedByTheHandshakeTimeout() throws Exception {
    try (Socket s = connect()) {
      RawPeer p = new RawPeer(s.getInputStream(), s.getOutputStream());
      assertThat(p.readUntilClose()).isEqualTo("handshaketimeout");
    }
    assertServerClosed("handshaketimeout");
  }

  @Test
  void serverWithTheWrongProtocolVersionFailsTheClientConnect() throws Exception {
    try (ServerSocket fake = new ServerSocket(0)) {
      CompletableFuture<String> clientSaid =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = fake.accept()) {
                  s.setSoTimeout(5000);
                  RawPeer p = new RawPeer(s.getInputStream(), s.getOutputStream());
                  p.writeFrame(1, Map.of("version", "9.0.0", "protoversion", 9));
                  return p.readUntilClose();
                } catch (Exception e) {
                  return "error " + e;
                }
              });
      PacketClient client =
          PacketClient.builder(REGISTRY).connect("127.0.0.1:" + fake.getLocalPort()).build();
      assertThatThrownBy(client::connect)
          .isInstanceOf(HandshakeFailedException.class)
          .hasMessageContaining("protocol version 9")
          .satisfies(
              e ->
                  assertThat(((HandshakeFailedException) e).reason())
                      .isEqualTo("protoversionmismatch"));
      assertThat(clientSaid.get()).isEqualTo("protoversionmismatch");
    }
  }

  @Test
  void randomGarbageNeverBreaksTheServer() throws Exception {
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 30; i++) {
      byte[] junk = new byte[1 + random.nextInt(300)];
      random.nextBytes(junk);
      try (Socket s = connect()) {
        s.getOutputStream().write(junk);
        s.getOutputStream().flush();
        s.shutdownOutput();
        s.getInputStream().readAllBytes(); // the server closes; never hangs
      }
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 0);
    // and it still serves a well-behaved client
    try (PacketClient c =
        PacketClient.builder(REGISTRY).connect(EchoFixture.addressOf(server)).build().connect()) {
      assertThat(c.isOpen()).isTrue();
    }
  }
}
