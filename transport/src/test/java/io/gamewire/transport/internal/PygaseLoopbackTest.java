package io.gamewire.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.pygase.PygaseClientEndpoint;
import io.gamewire.protocol.pygase.PygaseConfig;
import io.gamewire.protocol.pygase.PygaseEvent;
import io.gamewire.protocol.pygase.PygaseServerEndpoint;
import io.gamewire.protocol.pygase.PygaseStateSource;
import io.gamewire.protocol.pygase.PygaseUpdate;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.protocol.state.TimeOrder;
import io.gamewire.testkit.Hex;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.RealtimeClientListener;
import io.gamewire.transport.RealtimeServer;
import io.gamewire.transport.RealtimeServerListener;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A realtime server with the PyGaSe side attached serves a PyGaSe-profile client and a native
 * realtime client on the same port at the same time, over real loopback sockets.
 */
class PygaseLoopbackTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  /** A thread-safe state with a cache of updates; full state for 0 or an unknown time order. */
  static final class SyncedLog implements PygaseStateSource {
    private final List<Integer> orders = new ArrayList<>();
    private final List<Map<Object, Object>> updates = new ArrayList<>();
    private Map<Object, Object> state = StateTree.EMPTY;
    private int timeOrder;

    synchronized void push(Map<?, ?> update) {
      Map<Object, Object> u = StateTree.freeze(update, true);
      timeOrder = TimeOrder.next(timeOrder);
      state = StateTree.merge(state, u);
      orders.add(timeOrder);
      updates.add(u);
    }

    synchronized Map<Object, Object> state() {
      return state;
    }

    synchronized int timeOrder() {
      return timeOrder;
    }

    @Override
    public synchronized PygaseUpdate updateFor(int client) {
      int at = orders.indexOf(client);
      if (client == TimeOrder.NONE || at < 0) {
        return new PygaseUpdate(timeOrder, GameStatus.ACTIVE, state);
      }
      Map<Object, Object> merged = new LinkedHashMap<>();
      for (int i = at + 1; i < orders.size(); i++) {
        merged.putAll(updates.get(i)); // top-level keys only in this test
      }
      return new PygaseUpdate(timeOrder, null, StateTree.freeze(merged, true));
    }
  }

  static final class ServerSideEvents implements PygaseServerEndpoint.Listener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Integer> joined = new CopyOnWriteArrayList<>();
    final List<Integer> shutdowns = new CopyOnWriteArrayList<>();

    @Override
    public void onClientJoined(int clientId, InetSocketAddress address, boolean host) {
      joined.add(clientId);
    }

    @Override
    public void onEvent(int clientId, PygaseEvent event) {
      events.add(clientId + ":" + event.type() + event.args() + event.kwargs());
    }

    @Override
    public void onShutdownRequested(int hostClientId) {
      shutdowns.add(hostClientId);
    }
  }

  @Test
  void servesAPygaseClientAndARealtimeClientOnOnePort() throws Exception {
    SyncedLog log = new SyncedLog();
    log.push(Map.of("players", Map.of(1, Map.of("name", "ann", "position", List.of(0.5, 1.0)))));
    ServerSideEvents sideEvents = new ServerSideEvents();
    PygaseServerSide side =
        new PygaseServerSide(PygaseConfig.defaults(), log, sideEvents, ForkJoinPool.commonPool());
    List<String> native_ = new CopyOnWriteArrayList<>();
    List<String> clientEvents = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    AtomicInteger acked = new AtomicInteger();
    try (RealtimeServer server =
            RealtimeServer.builder()
                .bind("127.0.0.1:0")
                .sideProtocol(side)
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onMessage(int clientId, int channel, byte[] message) {
                        native_.add(new String(message, StandardCharsets.UTF_8));
                      }
                    })
                .build()
                .start();
        PygaseClientDriver pygase =
            new PygaseClientDriver(
                    server.localAddress(),
                    PygaseConfig.defaults(),
                    new PygaseClientEndpoint.Listener() {
                      @Override
                      public void onEvent(PygaseEvent event) {
                        threads.add(Thread.currentThread().getName());
                        clientEvents.add(event.type() + event.args() + event.kwargs());
                      }
                    })
                .start(null)) {
      List<String> toNative = new CopyOnWriteArrayList<>();
      try (RealtimeClient rt =
          RealtimeClient.builder(server.localAddress())
              .listener(
                  new RealtimeClientListener() {
                    @Override
                    public void onMessage(int channel, byte[] message) {
                      toNative.add(new String(message, StandardCharsets.UTF_8));
                    }
                  })
              .build()
              .connect()) {
        await().atMost(WAIT).until(() -> pygase.snapshot().timeOrder() == log.timeOrder());
        assertThat(pygase.isConnected()).isTrue();
        assertThat(pygase.snapshot().status()).isEqualTo(GameStatus.ACTIVE);
        assertThat(StateTree.deepEquals(pygase.snapshot().state(), log.state())).isTrue();

        // Events both ways, with ack callbacks, while the native client talks on the same port.
        assertThat(
                pygase.dispatch(
                    PygaseEvent.of("MOVE", List.of(1, List.of(2.0, 3.0)), Map.of()),
                    new MessageCallbacks() {
                      @Override
                      public void onAcked() {
                        acked.incrementAndGet();
                      }
                    }))
            .isTrue();
        rt.send(0, "native hello".getBytes(StandardCharsets.UTF_8));
        await()
            .atMost(WAIT)
            .until(() -> sideEvents.events.contains("1:MOVE[1, [2.0, 3.0]]{}") && acked.get() == 1);
        await().atMost(WAIT).until(() -> native_.contains("native hello"));
        assertThat(
                side.dispatch(
                    1, PygaseEvent.of("PLAYER_CREATED", List.of(), Map.of("player_id", 1)), null))
            .isTrue();
        server.broadcast(0, "native reply".getBytes(StandardCharsets.UTF_8));
        await().atMost(WAIT).until(() -> clientEvents.contains("PLAYER_CREATED[]{player_id=1}"));
        await().atMost(WAIT).until(() -> toNative.contains("native reply"));
        assertThat(threads)
            .as("listener calls run off the I/O thread")
            .isNotEmpty()
            .allMatch(t -> t.startsWith("gamewire-pygase-client-listener"));
        assertThat(server.clientCount()).isEqualTo(1);
        assertThat(side.clientCount()).isEqualTo(1);

        // State changes reach the PyGaSe client as deltas.
        for (int i = 0; i < 20; i++) {
          log.push(Map.of("tick", i, "gone", i % 2 == 0 ? "here" : StateTree.DELETE));
        }
        await().atMost(WAIT).until(() -> pygase.snapshot().timeOrder() == log.timeOrder());
        assertThat(StateTree.deepEquals(pygase.snapshot().state(), log.state())).isTrue();
        assertThat(pygase.snapshot().state()).doesNotContainKey("gone");

        // The host (the first PyGaSe client) shuts the server down.
        pygase.disconnect(true);
        await().atMost(WAIT).until(() -> sideEvents.shutdowns.equals(List.of(1)));
        assertThat(pygase.hasEnded()).isTrue();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void pygaseClientGetsStateAndEventsOnIpv4AndIpv6(String host) throws Exception {
    if (host.contains(":")) {
      Assumptions.assumeTrue(hasIpv6Loopback(), "no IPv6 loopback on this machine");
    }
    SyncedLog log = new SyncedLog();
    log.push(Map.of("chaser_id", 1, "countdown", 4.5));
    ServerSideEvents sideEvents = new ServerSideEvents();
    PygaseServerSide side = new PygaseServerSide(PygaseConfig.defaults(), log, sideEvents, null);
    List<String> got = new CopyOnWriteArrayList<>();
    try (RealtimeServer server =
            RealtimeServer.builder()
                .bind(host.contains(":") ? "[::1]:0" : host + ":0")
                .sideProtocol(side)
                .build()
                .start();
        PygaseClientDriver pygase =
            new PygaseClientDriver(
                    server.localAddress(),
                    PygaseConfig.defaults(),
                    new PygaseClientEndpoint.Listener() {
                      @Override
                      public void onEvent(PygaseEvent event) {
                        got.add(event.type());
                      }
                    })
                .start(null)) {
      await().atMost(WAIT).until(() -> pygase.snapshot().timeOrder() == 1);
      assertThat(pygase.snapshot().state()).containsEntry("countdown", 4.5);
      pygase.dispatch(PygaseEvent.of("JOIN", "ann"), null);
      await().atMost(WAIT).until(() -> sideEvents.events.contains("1:JOIN[ann]{}"));
      side.dispatchToAll(PygaseEvent.of("PLAYER_CREATED", 1));
      await().atMost(WAIT).until(() -> got.contains("PLAYER_CREATED"));
    }
  }

  static boolean hasIpv6Loopback() {
    try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("::1", 0))) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void answersTheCapturedClientPackageWithTheCapturedServerPackage() throws Exception {
    Map<Object, Object> state = new LinkedHashMap<>();
    state.put("pos", 0);
    state.put("f", 0.5);
    state.put("nested", Map.of("a", 1));
    Map<Object, Object> frozen = StateTree.freeze(state, false);
    PygaseServerSide side =
        new PygaseServerSide(
            PygaseConfig.defaults(),
            t -> new PygaseUpdate(26, GameStatus.ACTIVE, frozen),
            (id, e) -> {},
            null);
    try (RealtimeServer server =
            RealtimeServer.builder().bind("127.0.0.1:0").sideProtocol(side).build().start();
        DatagramChannel raw = DatagramChannel.open(StandardProtocolFamily.INET)) {
      raw.bind(new InetSocketAddress("127.0.0.1", 0));
      raw.configureBlocking(false);
      raw.send(
          ByteBuffer.wrap(Hex.parse("ffd0fab9 0001 0000 00000000 0000")), server.localAddress());
      ByteBuffer reply = ByteBuffer.allocate(4096);
      await().atMost(WAIT).until(() -> raw.receive(reply) != null);
      reply.flip();
      byte[] got = new byte[reply.remaining()];
      reply.get(got);
      assertThat(Hex.format(got))
          .isEqualTo(
              Hex.format(
                  Hex.parse(
                      "ffd0fab9 0001 0001 00000000 0031 85 a3\"pos\" 00 a1\"f\" ca3f000000"
                          + " a6\"nested\" 81 a1\"a\" 01 ab\"game_status\" 01"
                          + " aa\"time_order\" 1a")));
    }
  }
}
