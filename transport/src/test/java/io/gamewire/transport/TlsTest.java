package io.gamewire.transport;

import static io.gamewire.transport.EchoFixture.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketGuard;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.packet.SecurityLevel;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TlsTest {
  static X509Bundle serverCert;
  static X509Bundle clientCert;
  static X509Bundle wrongNameCert;

  @BeforeAll
  static void makeCertificates() throws Exception {
    serverCert =
        new CertificateBuilder()
            .subject("CN=localhost")
            .addSanDnsName("localhost")
            .addSanIpAddress("127.0.0.1")
            .setIsCertificateAuthority(true)
            .ecp256()
            .buildSelfSigned();
    clientCert =
        new CertificateBuilder()
            .subject("CN=player-one")
            .setIsCertificateAuthority(true)
            .ecp256()
            .buildSelfSigned();
    wrongNameCert =
        new CertificateBuilder()
            .subject("CN=elsewhere.example")
            .addSanDnsName("elsewhere.example")
            .setIsCertificateAuthority(true)
            .ecp256()
            .buildSelfSigned();
  }

  static TlsServerConfig serverTls(X509Bundle cert) {
    return TlsServerConfig.of(cert.getKeyPair().getPrivate(), cert.getCertificatePath());
  }

  @Test
  void echoesOverTlsWithServerAuthentication() throws Exception {
    List<String> replies = new CopyOnWriteArrayList<>();
    List<SecurityLevel> serverLevels = new CopyOnWriteArrayList<>();
    try (PacketServer server =
            EchoFixture.echoServer("127.0.0.1")
                .tls(serverTls(serverCert))
                .listener(
                    new PacketServerListener() {
                      @Override
                      public void onHandshakeComplete(Connection c) {
                        serverLevels.add(c.securityLevel());
                      }
                    })
                .build()
                .start();
        PacketClient client =
            PacketClient.builder(EchoFixture.REGISTRY)
                .connect(EchoFixture.addressOf(server))
                .tls(TlsClientConfig.trusting(serverCert.getCertificate()))
                .handle(ECHO, (c, t) -> replies.add(t))
                .build()
                .connect()) {
      assertThat(client.connection().securityLevel()).isEqualTo(SecurityLevel.SERVERAUTH);
      client.send(ECHO, "secret");
      await().atMost(Duration.ofSeconds(5)).until(() -> replies.size() == 1);
      assertThat(replies).containsExactly("secret");
      assertThat(serverLevels).containsExactly(SecurityLevel.ENCRYPTED);
    }
  }

  @Test
  void mutualAuthenticationReachesBothAuth() throws Exception {
    List<SecurityLevel> serverLevels = new CopyOnWriteArrayList<>();
    try (PacketServer server =
            EchoFixture.echoServer("127.0.0.1")
                .tls(
                    serverTls(serverCert)
                        .clientAuth(
                            TlsServerConfig.ClientAuthMode.REQUIRE, clientCert.getCertificate()))
                .listener(
                    new PacketServerListener() {
                      @Override
                      public void onHandshakeComplete(Connection c) {
                        serverLevels.add(c.securityLevel());
                      }
                    })
                .build()
                .start();
        PacketClient client =
            PacketClient.builder(EchoFixture.REGISTRY)
                .connect(EchoFixture.addressOf(server))
                .tls(
                    TlsClientConfig.trusting(serverCert.getCertificate())
                        .clientCertificate(
                            clientCert.getKeyPair().getPrivate(), clientCert.getCertificatePath()))
                .build()
                .connect()) {
      assertThat(client.connection().securityLevel()).isEqualTo(SecurityLevel.BOTHAUTH);
      await().atMost(Duration.ofSeconds(5)).until(() -> serverLevels.size() == 1);
      assertThat(serverLevels).containsExactly(SecurityLevel.BOTHAUTH);
    }
  }

  @Test
  void hostnameMismatchFailsWithTlsReason() throws Exception {
    try (PacketServer server =
        EchoFixture.echoServer("127.0.0.1").tls(serverTls(wrongNameCert)).build().start()) {
      PacketClient client =
          PacketClient.builder(EchoFixture.REGISTRY)
              .connect(EchoFixture.addressOf(server))
              .tls(TlsClientConfig.trusting(wrongNameCert.getCertificate()))
              .build();
      assertThatThrownBy(client::connect)
          .isInstanceOf(HandshakeFailedException.class)
          .satisfies(
              e -> assertThat(((HandshakeFailedException) e).reason()).isEqualTo("tlsfailed"));
    }
  }

  @Test
  void plainClientAgainstTlsServerFailsCleanly() throws Exception {
    try (PacketServer server =
        EchoFixture.echoServer("127.0.0.1").tls(serverTls(serverCert)).build().start()) {
      PacketClient client =
          PacketClient.builder(EchoFixture.REGISTRY)
              .connect(EchoFixture.addressOf(server))
              .config(
                  io.gamewire.protocol.packet.PacketConfig.builder()
                      .handshakeTimeout(Duration.ofSeconds(2))
                      .build())
              .build();
      assertThatThrownBy(client::connect).isInstanceOf(IOException.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 0);
    }
  }

  @Test
  void guardedPacketNeedsTheSecurityLevelToBeSent() throws Exception {
    PacketRegistry.Builder b = PacketRegistry.builder();
    PacketType<String> secret =
        b.register(
            "vault:secret",
            PacketCodec.string(),
            PacketGuard.smart().withMinSecurity(SecurityLevel.SERVERAUTH));
    PacketRegistry registry = b.build();
    List<String> got = new CopyOnWriteArrayList<>();
    try (PacketServer server =
            PacketServer.builder(registry)
                .bind("127.0.0.1:0")
                .tls(serverTls(serverCert))
                .handle(secret, (c, s) -> got.add(s))
                .build()
                .start();
        PacketClient insecure =
            PacketClient.builder(registry)
                .connect(EchoFixture.addressOf(server))
                .tls(TlsClientConfig.insecureTrustAll())
                .build()
                .connect();
        PacketClient verified =
            PacketClient.builder(registry)
                .connect(EchoFixture.addressOf(server))
                .tls(TlsClientConfig.trusting(serverCert.getCertificate()))
                .build()
                .connect()) {
      assertThat(insecure.connection().securityLevel()).isEqualTo(SecurityLevel.ENCRYPTED);
      insecure.send(secret, "from insecure");
      verified.send(secret, "from verified");
      await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 1);
      Thread.sleep(200); // a negative: give a wrongly sent packet time to arrive
      assertThat(got).containsExactly("from verified");
    }
  }

  @Test
  void interoperatesWithAPeerUsingPlainJdkTls() throws Exception {
    // A client that wraps its socket in standard TLS and speaks the protocol by hand, as peng3dnet
    // does with net.ssl.enabled.
    try (PacketServer server =
        EchoFixture.echoServer("127.0.0.1").tls(serverTls(serverCert)).build().start()) {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {serverCert.toTrustManager()}, null);
      try (SSLSocket s =
          (SSLSocket)
              ctx.getSocketFactory().createSocket("127.0.0.1", server.localAddress().getPort())) {
        s.setSoTimeout(5000);
        RawPeer peer = new RawPeer(s.getInputStream(), s.getOutputStream());
        assertThat(peer.readFrame().id()).isEqualTo(1); // hello
        peer.writeFrame(2, java.util.Map.of("conntype", "classic"));
        assertThat(peer.readFrame().id()).isEqualTo(3); // handshake with the registry
        peer.writeFrame(4, java.util.Map.of("success", true));
        peer.writeFrame(ECHO.id(), "over jdk tls");
        RawPeer.Frame echo = peer.readFrame();
        assertThat(echo.id()).isEqualTo(ECHO.id());
        assertThat(echo.value()).isEqualTo("over jdk tls");
      }
    }
  }
}
