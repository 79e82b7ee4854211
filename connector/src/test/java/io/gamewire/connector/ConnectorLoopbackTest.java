package io.gamewire.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.connector.internal.ConnectorCodec;
import io.gamewire.connector.internal.ConnectorMessage;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.RealtimeServer;
import io.gamewire.transport.RealtimeServerListener;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole flow on loopback: a connector, a registered realtime server, a client joining by name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectorLoopbackTest {
  private Connector connector;
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startConnector() {
    connector = Connector.builder().bind("127.0.0.1:0").build().start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    connector.close();
  }

  private RealtimeServer server(ConnectorRegistration registration, List<InetSocketAddress> seen) {
    RealtimeServer server =
        RealtimeServer.builder()
            .bind("127.0.0.1:0")
            .sideProtocol(registration)
            .listener(
                new RealtimeServerListener() {
                  @Override
                  public void onConnected(int clientId, InetSocketAddress address) {
                    seen.add(address);
                  }
                })
            .build()
            .start();
    closeables.add(server);
    return server;
  }

  @Test
  void registerLookUpPunchJoinAndDelete() throws Exception {
    ConnectorRegistration registration =
        ConnectorRegistration.builder("loopback-game-1", connector.localAddress())
            .listing("chase", () -> 3, 8)
            .metadata(Map.of("map", "forest"))
            .build();
    List<InetSocketAddress> seen = new CopyOnWriteArrayList<>();
    RealtimeServer server = server(registration, seen);
    registration.registered().get(10, TimeUnit.SECONDS);
    assertThat(connector.servers())
        .containsExactly(new ServerInfo("loopback-game-1", "chase", 3, 8, Map.of("map", "forest")));

    ConnectorClient client = ConnectorClient.builder(connector.localAddress()).build();
    assertThat(client.listServers()).containsExactlyElementsOf(connector.servers());

    ConnectInfo info = client.lookup("loopback-game-1");
    assertThat(info.serverPublic()).isEqualTo(server.localAddress());
    assertThat(info.candidates()).containsExactly(server.localAddress());

    try (RealtimeClient joined = client.connect("loopback-game-1", RealtimeClient::builder)) {
      assertThat(joined.isConnected()).isTrue();
      assertThat(joined.serverAddress()).isEqualTo(server.localAddress());
      await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
      // The server saw the client on the port the client asked the connector from.
      assertThat(seen.get(0).getPort()).isEqualTo(joined.localAddress().getPort());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> registration.punchesSent() >= 5);

    registration.unregister();
    await().atMost(Duration.ofSeconds(10)).until(() -> connector.servers().isEmpty());
    assertThatThrownBy(() -> client.lookup("loopback-game-1"))
        .isInstanceOfSatisfying(
            ConnectorException.class,
            e -> {
              assertThat(e.step()).isEqualTo(ConnectorException.Step.CONNECTOR_ERROR);
              assertThat(e.connectorError()).isEqualTo("Server is not registered.");
            });
    ConnectorStats stats = connector.stats();
    assertThat(stats.malformed()).isZero();
    assertThat(stats.received()).isGreaterThanOrEqualTo(6);
  }

  /** Over IPv6 both sides use the Gamewire messages (gwAddServer, gwGetConnectInfo). */
  @Test
  void joinsByNameOverIpv6() throws Exception {
    try (Connector v6 = Connector.builder().bind("[::1]:0").build().start()) {
      ConnectorRegistration registration =
          ConnectorRegistration.builder("ipv6-game-1", v6.localAddress()).build();
      List<InetSocketAddress> seen = new CopyOnWriteArrayList<>();
      RealtimeServer server =
          RealtimeServer.builder()
              .bind("[::1]:0")
              .sideProtocol(registration)
              .listener(
                  new RealtimeServerListener() {
                    @Override
                    public void onConnected(int clientId, InetSocketAddress address) {
                      seen.add(address);
                    }
                  })
              .build()
              .start();
      closeables.add(server);
      registration.registered().get(10, TimeUnit.SECONDS);
      ConnectorClient client = ConnectorClient.builder(v6.localAddress()).build();
      ConnectInfo info = client.lookup("ipv6-game-1");
      assertThat(info.serverPublic()).isEqualTo(server.localAddress());
      assertThat(info.clientPrivate().getAddress()).isInstanceOf(java.net.Inet6Address.class);
      try (RealtimeClient joined = client.connect("ipv6-game-1", RealtimeClient::builder)) {
        assertThat(joined.isConnected()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
      }
    }
  }

  @Test
  void aFullServerDeletesItselfAndComesBackWhenASlotFrees() throws Exception {
    AtomicBoolean free = new AtomicBoolean(true);
    ConnectorRegistration registration =
        ConnectorRegistration.builder("filling-game", connector.localAddress())
            .freeSlots(free::get)
            .refresh(Duration.ofMillis(200))
            .build();
    server(registration, new CopyOnWriteArrayList<>());
    registration.registered().get(10, TimeUnit.SECONDS);
    free.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> connector.servers().isEmpty());
    free.set(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> connector.servers().size() == 1);
  }

  @Test
  void aTakenNameIsRefusedWithTheOriginalText() throws Exception {
    ConnectorRegistration first =
        ConnectorRegistration.builder("taken-name", connector.localAddress()).build();
    server(first, new CopyOnWriteArrayList<>());
    first.registered().get(10, TimeUnit.SECONDS);
    ConnectorRegistration second =
        ConnectorRegistration.builder("taken-name", connector.localAddress()).build();
    server(second, new CopyOnWriteArrayList<>());
    assertThatThrownBy(() -> second.registered().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            ConnectorException.class,
            e ->
                assertThat(e.connectorError())
                    .isEqualTo(
                        "A server with that name is already registered. Choose a different name."));
  }

  @Test
  void aSilentConnectorIsReportedAsUnreachable() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ConnectorClient client =
          ConnectorClient.builder((InetSocketAddress) silent.getLocalSocketAddress())
              .tries(3)
              .build();
      assertThatThrownBy(() -> client.lookup("some-server"))
          .isInstanceOfSatisfying(
              ConnectorException.class,
              e -> {
                assertThat(e.step()).isEqualTo(ConnectorException.Step.CONNECTOR_UNREACHABLE);
                assertThat(e.getMessage()).contains("did not answer 3 requests");
              });
    }
  }

  /** Registered from a plain socket that never answers a handshake: no endpoint answers. */
  @Test
  void anEndpointThatNeverAnswersIsReported() throws Exception {
    try (DatagramSocket fake = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        ConnectorCodec codec = new ConnectorCodec()) {
      byte[] add =
          codec.encode(
              ConnectorMessage.of("addServer")
                  .put("serverName", "ghost-server")
                  .put("serverPrivateIP", "127.0.0.1")
                  .put("serverPrivatePort", fake.getLocalPort())
                  .msgId(1L));
      fake.send(new DatagramPacket(add, add.length, connector.localAddress()));
      await().atMost(Duration.ofSeconds(10)).until(() -> connector.servers().size() == 1);
      ConnectorClient client = ConnectorClient.builder(connector.localAddress()).build();
      HandshakeConfig quick =
          HandshakeConfig.defaults().withConnectTimeoutNanos(TimeUnit.MILLISECONDS.toNanos(500));
      assertThatThrownBy(
              () -> client.connect("ghost-server", a -> RealtimeClient.builder(a).handshake(quick)))
          .isInstanceOfSatisfying(
              ConnectorException.class,
              e -> {
                assertThat(e.step()).isEqualTo(ConnectorException.Step.NO_ENDPOINT_ANSWERED);
                assertThat(e.getMessage()).contains("127.0.0.1:" + fake.getLocalPort());
              });
    }
  }

  /** A lan-caster client's joinRequest on the game socket gets a joinReply with its msgID. */
  @Test
  void answersLanCasterJoinRequests() throws Exception {
    ConnectorRegistration registration =
        ConnectorRegistration.builder("lan-caster-game", connector.localAddress())
            .joinHandler((from, game, name) -> "Demo".equals(game) ? 2 : -1)
            .build();
    RealtimeServer server = server(registration, new CopyOnWriteArrayList<>());
    registration.registered().get(10, TimeUnit.SECONDS);
    try (DatagramSocket lanCaster = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        ConnectorCodec codec = new ConnectorCodec()) {
      byte[] join =
          codec.encode(
              ConnectorMessage.of("joinRequest")
                  .put("game", "Demo")
                  .put("playerDisplayName", "Bob")
                  .msgId(77L));
      lanCaster.send(new DatagramPacket(join, join.length, server.localAddress()));
      lanCaster.setSoTimeout(10_000);
      byte[] buffer = new byte[1500];
      DatagramPacket in = new DatagramPacket(buffer, buffer.length);
      lanCaster.receive(in);
      ConnectorMessage reply = codec.decode(buffer, 0, in.getLength());
      assertThat(reply.type()).isEqualTo("joinReply");
      assertThat(reply.msgId()).isEqualTo(77L);
      assertThat(reply.integer("playerNumber")).isEqualTo(2);
      assertThat(reply.get("testMode")).isEqualTo(false);
    }
  }
}
