package io.gamewire.transport;

import static io.gamewire.transport.EchoFixture.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.packet.CloseReasons;
import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PingReply;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PacketLoopbackTest {

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void echoesOverLoopbackWithTheFullLifecycle(String host) throws Exception {
    EchoFixture.ServerEvents events = new EchoFixture.ServerEvents();
    List<String> replies = new CopyOnWriteArrayList<>();
    try (PacketServer server = EchoFixture.echoServer(host).listener(events).build().start();
        PacketClient client =
            PacketClient.builder(EchoFixture.REGISTRY)
                .connect(EchoFixture.addressOf(server))
                .handle(ECHO, (c, text) -> replies.add(text))
                .build()
                .connect()) {
      assertThat(client.isOpen()).isTrue();
      client.send(ECHO, "hello");
      client.send(ECHO, "wörld");
      await().atMost(Duration.ofSeconds(5)).until(() -> replies.size() == 2);
      assertThat(replies).containsExactly("hello", "wörld");
      assertThat(client.traffic().packetsIn()).isEqualTo(4); // hello, handshake, two echoes
      assertThat(server.traffic().packetsIn()).isGreaterThanOrEqualTo(4);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> events.lines.contains("shutdown servershutdown"));
    assertThat(events.lines.subList(0, 3)).containsExactly("initialize", "bind", "start");
    assertThat(events.lines)
        .containsSubsequence(
            "accept 1",
            "handshake 1",
            "receive 1 echo:echo hello",
            "receive 1 echo:echo wörld",
            "close 1 userrequest by peer",
            "shutdown servershutdown");
    assertThat(events.lines).containsSubsequence("start", "stop", "shutdown servershutdown");
    assertThat(events.lines)
        .containsSubsequence(
            "send 1 echo:echo hello", "send 1 echo:echo wörld", "close 1 userrequest by peer");
  }

  @Test
  void serverShutdownClosesClientsWithTheReason() throws Exception {
    PacketServer server = EchoFixture.echoServer("127.0.0.1").build().start();
    List<String> reasons = new CopyOnWriteArrayList<>();
    PacketClient client =
        PacketClient.builder(EchoFixture.REGISTRY)
            .connect(EchoFixture.addressOf(server))
            .listener(
                new PacketClientListener() {
                  @Override
                  public void onClose(Connection c, String reason, boolean byPeer) {
                    reasons.add(reason + (byPeer ? " by peer" : ""));
                  }
                })
            .build()
            .connect();
    server.shutdown("maintenance");
    assertThat(client.awaitClose(Duration.ofSeconds(5))).isEqualTo("maintenance");
    await().atMost(Duration.ofSeconds(5)).until(() -> !reasons.isEmpty());
    assertThat(reasons).containsExactly("maintenance by peer");
    client.close();
    client.close();
    server.close();
  }

  @Test
  void broadcastReachesEveryClassicClient() throws Exception {
    try (PacketServer server = EchoFixture.echoServer("127.0.0.1").build().start();
        IoThreads threads = IoThreads.create(1, "test-clients")) {
      List<String> got = new CopyOnWriteArrayList<>();
      List<PacketClient> clients = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        clients.add(
            PacketClient.builder(EchoFixture.REGISTRY)
                .connect(EchoFixture.addressOf(server))
                .ioThreads(threads)
                .handle(ECHO, (c, text) -> got.add(text))
                .build()
                .connect());
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 5);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> server.connections().stream().allMatch(Connection::isOpen));
      assertThat(server.broadcast(ECHO, "all")).isEqualTo(5);
      await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 5);
      clients.forEach(PacketClient::close);
    }
  }

  @Test
  void pingReturnsDelayAndServerData() throws Exception {
    try (PacketServer server =
        EchoFixture.echoServer("127.0.0.1")
            .pingData((conn, req) -> Map.of("users", 7L, "name", "test"))
            .build()
            .start()) {
      PingReply reply = PacketClient.ping(EchoFixture.addressOf(server), Duration.ofSeconds(5));
      assertThat(reply.delayNanos()).isPositive();
      assertThat(reply.data()).containsEntry("users", 7L).containsEntry("name", "test");
      assertThat(reply.data()).containsKey("peng3dnet");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.connectionCount() == 0);
    }
  }

  @Test
  void registryMismatchFailsConnectWithTheDifferingPackets() throws Exception {
    PacketRegistry.Builder other = PacketRegistry.builder();
    other.register("echo:echo", PacketCodec.string());
    other.register("echo:pong", PacketCodec.map());
    try (PacketServer server = EchoFixture.echoServer("127.0.0.1").build().start()) {
      PacketClient client =
          PacketClient.builder(other.build()).connect(EchoFixture.addressOf(server)).build();
      assertThatThrownBy(client::connect)
          .isInstanceOf(RegistryMismatchException.class)
          .hasMessageContaining("only on the client: [echo:pong]")
          .hasMessageContaining("only on the server: [echo:ping]");
    }
  }

  @Test
  void refusedConnectionIsAClearError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PacketClient client =
        PacketClient.builder(EchoFixture.REGISTRY).connect("127.0.0.1:" + port).build();
    assertThatThrownBy(client::connect)
        .isInstanceOf(ConnectException.class)
        .hasMessage("connection refused by 127.0.0.1:" + port);
    assertThatThrownBy(() -> PacketClient.ping("127.0.0.1:" + port, Duration.ofSeconds(2)))
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void pingOfAServerThatNeverAnswersIsATimeoutNamingTheAddress() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + silent.getLocalPort();
      // The kernel completes the TCP handshake from the backlog; nothing ever answers.
      assertThatThrownBy(() -> PacketClient.ping(address, Duration.ofMillis(300)))
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessage("no ping reply from " + address + " within 300 ms");
    }
  }

  @Test
  void bindingATakenPortIsAClearError() throws Exception {
    try (PacketServer server = EchoFixture.echoServer("127.0.0.1").build().start()) {
      PacketServer second =
          PacketServer.builder(EchoFixture.REGISTRY).bind(EchoFixture.addressOf(server)).build();
      assertThatThrownBy(second::start)
          .hasMessageContaining("cannot listen on " + EchoFixture.addressOf(server));
    }
  }

  @Test
  void clientCloseReasonReachesTheServer() throws Exception {
    EchoFixture.ServerEvents events = new EchoFixture.ServerEvents();
    try (PacketServer server =
        EchoFixture.echoServer("127.0.0.1").listener(events).build().start()) {
      PacketClient client =
          PacketClient.builder(EchoFixture.REGISTRY)
              .connect(EchoFixture.addressOf(server))
              .build()
              .connect();
      client.close("gameover");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> events.lines.contains("close 1 gameover by peer"));
      assertThat(CloseReasons.USER_REQUEST).isEqualTo("userrequest");
    }
  }
}
