package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RealtimeLoopbackTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final int PER_CHANNEL = 50;

  /** A server that echoes every message on the channel it came in on. */
  static RealtimeServer echoServer(String bind, List<String> events) {
    AtomicReference<RealtimeServer> ref = new AtomicReference<>();
    RealtimeServer server =
        RealtimeServer.builder()
            .bind(bind)
            .listener(
                new RealtimeServerListener() {
                  @Override
                  public void onConnected(int clientId, InetSocketAddress address) {
                    events.add("connected " + clientId);
                  }

                  @Override
                  public void onMessage(int clientId, int channel, byte[] message) {
                    ref.get().send(clientId, channel, message);
                  }

                  @Override
                  public void onDisconnected(int clientId, int code, String text, boolean byPeer) {
                    events.add("disconnected " + clientId + " " + code + " " + text + " " + byPeer);
                  }
                })
            .build();
    ref.set(server);
    return server.start();
  }

  static InetSocketAddress target(RealtimeServer server, String host) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(host), server.localAddress().getPort());
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void messagesFlowBothWaysOnEveryChannelMode(String host) throws Exception {
    if (host.contains(":")) {
      Assumptions.assumeTrue(hasIpv6Loopback(), "no IPv6 loopback on this machine");
    }
    List<String> serverEvents = new CopyOnWriteArrayList<>();
    Map<Integer, List<Integer>> received = new ConcurrentHashMap<>();
    try (RealtimeServer server =
            echoServer(host.contains(":") ? "[::1]:0" : host + ":0", serverEvents);
        RealtimeClient client =
            RealtimeClient.builder(target(server, host))
                .listener(
                    new RealtimeClientListener() {
                      @Override
                      public void onMessage(int channel, byte[] message) {
                        received
                            .computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>())
                            .add(Integer.parseInt(new String(message, StandardCharsets.UTF_8)));
                      }
                    })
                .build()
                .connect()) {
      assertThat(client.isConnected()).isTrue();
      await().atMost(WAIT).until(() -> server.clientCount() == 1);
      for (int i = 0; i < PER_CHANNEL; i++) {
        for (int channel : RealtimeConfig.defaultChannels().keySet()) {
          assertThat(client.send(channel, Integer.toString(i).getBytes(StandardCharsets.UTF_8)))
              .isTrue();
        }
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < PER_CHANNEL; i++) {
        expected.add(i);
      }
      // 0 reliable-ordered: all, in order; 3 reliable-unordered: all; 1 unreliable and
      // 2 sequenced: what arrives is what was sent, and sequenced never goes backwards.
      await().atMost(WAIT).until(() -> received.getOrDefault(0, List.of()).size() == PER_CHANNEL);
      await().atMost(WAIT).until(() -> received.getOrDefault(3, List.of()).size() == PER_CHANNEL);
      await().atMost(WAIT).until(() -> !received.getOrDefault(1, List.of()).isEmpty());
      await().atMost(WAIT).until(() -> !received.getOrDefault(2, List.of()).isEmpty());
      assertThat(received.get(0)).containsExactlyElementsOf(expected);
      assertThat(received.get(3)).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(expected).containsAll(received.get(1));
      assertThat(received.get(2)).isSorted().doesNotHaveDuplicates();
      assertThat(client.stats()).isNotNull();
      assertThat(client.stats().packetsIn()).isPositive();
      assertThat(server.stats(1)).isNotNull();
    }
  }

  @Test
  void ioSafeCallbacksRunOnTheIoThreadAndOthersOnTheListenerExecutor() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    try (RealtimeServer server = echoServer("127.0.0.1:0", events);
        RealtimeClient client = RealtimeClient.builder(server.localAddress()).build().connect()) {
      await().atMost(WAIT).until(() -> !events.isEmpty());
      int id = Integer.parseInt(events.get(0).substring("connected ".length()));
      Map<String, String> threads = new ConcurrentHashMap<>();
      RealtimeConnection.MessageCallbacks plain =
          new RealtimeConnection.MessageCallbacks() {
            @Override
            public void onAcked() {
              threads.put("plain", Thread.currentThread().getName());
            }
          };
      RealtimeConnection.IoSafeCallbacks ioSafe =
          new RealtimeConnection.IoSafeCallbacks() {
            @Override
            public void onAcked() {
              threads.put("ioSafe", Thread.currentThread().getName());
            }
          };
      byte[] m = "x".getBytes(StandardCharsets.UTF_8);
      assertThat(server.send(id, 0, m, plain)).isTrue();
      assertThat(server.send(id, 0, m, ioSafe)).isTrue();
      await().atMost(WAIT).until(() -> threads.size() == 2);
      assertThat(threads.get("plain")).startsWith("gamewire-realtime-listener");
      assertThat(threads.get("ioSafe")).startsWith("gamewire-realtime-server");
    }
  }

  @Test
  void aClientSocketOnlyReadsWhatTheServerSends() throws Exception {
    // The client connects its UDP socket to the server: the kernel drops anyone else's datagrams.
    List<byte[]> received = new CopyOnWriteArrayList<>();
    try (RealtimeServer server = echoServer("127.0.0.1:0", new CopyOnWriteArrayList<>());
        RealtimeClient client =
            RealtimeClient.builder(target(server, "127.0.0.1"))
                .listener(
                    new RealtimeClientListener() {
                      @Override
                      public void onMessage(int channel, byte[] message) {
                        received.add(message);
                      }
                    })
                .build()
                .connect();
        java.nio.channels.DatagramChannel stranger = java.nio.channels.DatagramChannel.open()) {
      long before = client.datagramsRead();
      int strangers = 200;
      for (int i = 0; i < strangers; i++) {
        stranger.send(java.nio.ByteBuffer.wrap(new byte[40]), client.localAddress());
      }
      // The echo comes back after the stranger's datagrams were queued, if they were.
      client.send(0, new byte[] {1});
      await().atMost(WAIT).until(() -> received.size() == 1);
      assertThat(client.datagramsRead() - before)
          .as("the server's few datagrams, none of the stranger's %d", strangers)
          .isLessThan(strangers);
      assertThat(client.isConnected()).isTrue();
    }
  }

  @Test
  void aClientOfAPortNobodyListensOnTimesOutLikeAnyOther() throws Exception {
    // On a connected socket the kernel reports the ICMP port-unreachable answers to the client's
    // requests as read errors; they must not end the attempt early or another way.
    int port;
    try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    RealtimeClient client =
        RealtimeClient.builder(new InetSocketAddress("127.0.0.1", port))
            .handshake(
                io.gamewire.protocol.realtime.HandshakeConfig.defaults()
                    .withConnectTimeoutNanos(Duration.ofMillis(1500).toNanos()))
            .build();
    try {
      assertThatThrownBy(client::connect)
          .isInstanceOf(RealtimeConnectException.class)
          .satisfies(
              e ->
                  assertThat(((RealtimeConnectException) e).failure())
                      .isEqualTo(ConnectFailure.TIMED_OUT));
    } finally {
      client.close();
    }
  }

  @Test
  void fullServerDeniesWithAClearMessage() throws Exception {
    try (RealtimeServer server =
            RealtimeServer.builder().bind("127.0.0.1:0").maxClients(1).build().start();
        RealtimeClient first = RealtimeClient.builder(server.localAddress()).build().connect()) {
      assertThat(first.isConnected()).isTrue();
      RealtimeClient second = RealtimeClient.builder(server.localAddress()).build();
      assertThatThrownBy(second::connect)
          .isInstanceOf(RealtimeConnectException.class)
          .hasMessageContaining("server full")
          .satisfies(
              e ->
                  assertThat(((RealtimeConnectException) e).failure())
                      .isEqualTo(ConnectFailure.SERVER_FULL));
      second.close();
    }
  }

  @Test
  void disconnectCodeAndTextReachTheOtherSide() throws Exception {
    List<String> serverEvents = new CopyOnWriteArrayList<>();
    List<String> clientEvents = new CopyOnWriteArrayList<>();
    RealtimeClientListener recorder =
        new RealtimeClientListener() {
          @Override
          public void onDisconnected(int code, String text, boolean byPeer) {
            clientEvents.add(code + " " + text + " " + byPeer);
          }
        };
    try (RealtimeServer server = echoServer("127.0.0.1:0", serverEvents);
        RealtimeClient a =
            RealtimeClient.builder(server.localAddress()).listener(recorder).build().connect();
        RealtimeClient b = RealtimeClient.builder(server.localAddress()).build().connect()) {
      await().atMost(WAIT).until(() -> server.clientCount() == 2);
      // Server to client: the client that connected first has id 1.
      server.disconnect(1, 4001, "kicked: afk");
      await().atMost(WAIT).until(() -> clientEvents.contains("4001 kicked: afk true"));
      assertThat(a.isConnected()).isFalse();
      assertThat(a.send(0, new byte[] {1})).isFalse();
      // Client to server.
      b.disconnect(4002, "rage quit");
      await().atMost(WAIT).until(() -> serverEvents.contains("disconnected 2 4002 rage quit true"));
      assertThat(serverEvents).contains("disconnected 1 4001 kicked: afk false");
      await().atMost(WAIT).until(() -> server.clientCount() == 0);
    }
  }

  @Test
  void closeTellsClientsIsIdempotentAndLeavesNoThreads() throws Exception {
    Set<String> before = gamewireThreads();
    List<String> clientEvents = new CopyOnWriteArrayList<>();
    RealtimeServer server = echoServer("127.0.0.1:0", new CopyOnWriteArrayList<>());
    RealtimeClient client =
        RealtimeClient.builder(server.localAddress())
            .listener(
                new RealtimeClientListener() {
                  @Override
                  public void onDisconnected(int code, String text, boolean byPeer) {
                    clientEvents.add(code + " " + byPeer);
                  }
                })
            .build()
            .connect();
    assertThat(gamewireThreads()).isNotEqualTo(before);
    server.close();
    await()
        .atMost(WAIT)
        .until(() -> clientEvents.contains(RealtimeConnection.REASON_CLOSED + " true"));
    server.close();
    client.close();
    client.close();
    assertThat(server.isRunning()).isFalse();
    assertThat(server.send(1, 0, new byte[1])).isFalse();
    await().atMost(WAIT).untilAsserted(() -> assertThat(gamewireThreads()).isEqualTo(before));
  }

  @Test
  void sendBeforeConnectIsAMistakeAndBadArgumentsThrowOnTheCallersThread() throws Exception {
    try (RealtimeServer server = RealtimeServer.builder().bind("127.0.0.1:0").build().start();
        RealtimeClient client = RealtimeClient.builder(server.localAddress()).build()) {
      assertThatThrownBy(() -> client.send(0, new byte[1]))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not connected yet");
      client.connect();
      assertThatThrownBy(() -> client.send(9, new byte[1]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("channel 9 is not configured");
      assertThatThrownBy(() -> client.disconnect(70_000, ""))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  static Set<String> gamewireThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("gamewire"))
        .collect(Collectors.toSet());
  }

  static boolean hasIpv6Loopback() {
    try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("::1", 0))) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
