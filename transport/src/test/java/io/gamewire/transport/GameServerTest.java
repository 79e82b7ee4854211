package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.testkit.LossyUdpProxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GameServerTest {
  static final Duration WAIT = Duration.ofSeconds(15);

  /**
   * A small game: JOIN(name) adds a player under the sender's id and answers PLAYER_CREATED(id);
   * MOVE(x, y) sets the sender's position; LEAVE deletes the sender.
   */
  static GameServer.Builder game(AtomicReference<GameServer> ref) {
    return GameServer.builder()
        .bind("127.0.0.1:0")
        .tickRate(50)
        .initialState(Map.of("players", Map.of(), "ticks", 0))
        .timeStep((state, dt) -> Map.of("ticks", (Long) state.get("ticks") + 1))
        .on(
            "JOIN",
            (e, state, dt) -> {
              ref.get().dispatch(e.clientId(), "PLAYER_CREATED", (long) e.clientId());
              return Map.of(
                  "players",
                  Map.of(e.clientId(), Map.of("name", e.arg(0), "position", List.of(0.0, 0.0))));
            })
        .on(
            "MOVE",
            (e, state, dt) ->
                Map.of(
                    "players",
                    Map.of(
                        e.clientId(), Map.of("position", List.of(e.doubleArg(0), e.doubleArg(1))))))
        .on("LEAVE", (e, state, dt) -> Map.of("players", Map.of(e.clientId(), StateTree.DELETE)));
  }

  static boolean converged(GameServer server, GameClient client) {
    return StateTree.deepEquals(client.state(), server.state());
  }

  @ParameterizedTest
  @EnumSource(GameClient.Profile.class)
  void clientsJoinMoveAndConvergeToTheServersState(GameClient.Profile profile) throws Exception {
    AtomicReference<GameServer> ref = new AtomicReference<>();
    List<Integer> joined = new CopyOnWriteArrayList<>();
    try (GameServer server =
        game(ref)
            .listener(
                new GameServer.Listener() {
                  @Override
                  public void onJoin(int clientId, InetSocketAddress address) {
                    joined.add(clientId);
                  }
                })
            .build()) {
      ref.set(server);
      server.start();
      Map<GameClient, Long> ids = new ConcurrentHashMap<>();
      List<GameClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          GameClient[] self = new GameClient[1];
          GameClient c =
              GameClient.builder(server.localAddress())
                  .profile(profile)
                  .on("PLAYER_CREATED", e -> ids.put(self[0], e.longArg(0)))
                  .build();
          self[0] = c;
          clients.add(c.connect());
          c.dispatch("JOIN", "player" + i);
        }
        await().atMost(WAIT).until(() -> ids.size() == 5);
        assertThat(joined).hasSize(5);
        for (int step = 1; step <= 20; step++) {
          for (GameClient c : clients) {
            c.dispatch("MOVE", (double) step, (double) -step);
          }
        }
        clients.get(4).dispatch("LEAVE");
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  @SuppressWarnings("unchecked")
                  Map<Object, Object> players = (Map<Object, Object>) server.state().get("players");
                  return players.size() == 4;
                });
        // The server keeps ticking, so compare with a frozen game: all clients reach the server's
        // version of the players map and never hold a player that left.
        for (GameClient c : clients) {
          await()
              .atMost(WAIT)
              .until(
                  () ->
                      StateTree.deepEquals(
                          c.state().get("players"), server.state().get("players")));
          assertThat(c.status()).isEqualTo(GameStatus.ACTIVE);
          assertThat(c.timeOrder()).isPositive();
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> players = (Map<Object, Object>) clients.get(0).state().get("players");
        assertThat(players.get(ids.get(clients.get(0))))
            .isEqualTo(Map.of("name", "player0", "position", List.of(20.0, -20.0)));
        assertThat(players).doesNotContainKey(ids.get(clients.get(4)));
        if (profile == GameClient.Profile.NATIVE) {
          // Clients confirm what they hold: the server sees recent versions confirmed.
          await()
              .atMost(WAIT)
              .until(() -> server.confirmedTimeOrder(ids.get(clients.get(0)).intValue()) > 0);
        } else {
          assertThat(ids.get(clients.get(0)) & GameServer.PYGASE_CLIENT_BIT).isNotZero();
        }
      } finally {
        clients.forEach(GameClient::close);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(GameClient.Profile.class)
  void withStateHoldsPublicationButNotDecodingAndPublishesTheNewestOnRelease(
      GameClient.Profile profile) throws Exception {
    AtomicReference<GameServer> ref = new AtomicReference<>();
    try (GameServer server = game(ref).build()) {
      ref.set(server);
      server.start();
      try (GameClient client =
          GameClient.builder(server.localAddress()).profile(profile).build().connect()) {
        await().atMost(WAIT).until(() -> client.timeOrder() != 0);
        long[] seenInside = new long[2];
        Map<Object, Object> heldState =
            client.withState(
                state -> {
                  int held = client.timeOrder();
                  long applied = client.updateCounts()[0];
                  // Updates keep arriving and being applied, but none is published meanwhile.
                  await().atMost(WAIT).until(() -> client.updateCounts()[0] >= applied + 3);
                  assertThat(client.timeOrder()).isEqualTo(held);
                  assertThat(client.state()).isSameAs(state);
                  seenInside[0] = held;
                  seenInside[1] = (Long) state.get("ticks");
                  return state;
                });
        // The newest version is published as the lock is released, without waiting for another.
        assertThat(client.timeOrder()).isNotEqualTo((int) seenInside[0]);
        assertThat((Long) client.state().get("ticks")).isGreaterThan(seenInside[1]);
        assertThat(client.state()).isNotSameAs(heldState);
        // Nested readers: the inner release does not publish under the outer reader.
        client.accessState(
            outer -> {
              long applied = client.updateCounts()[0];
              client.accessState(inner -> assertThat(inner).isSameAs(outer));
              await().atMost(WAIT).until(() -> client.updateCounts()[0] >= applied + 2);
              client.accessState(inner -> assertThat(inner).isSameAs(outer));
              assertThat(client.state()).isSameAs(outer);
            });
        assertThat(client.state()).isNotSameAs(heldState);
      }
    }
  }

  @Test
  void withAFloatQuantumTheServersStateIsRoundedAndClientsRebuildItExactly() throws Exception {
    AtomicReference<GameServer> ref = new AtomicReference<>();
    try (GameServer server = game(ref).floatQuantum(0.01).build()) {
      ref.set(server);
      server.start();
      try (GameClient client =
          GameClient.builder(server.localAddress()).floatQuantum(0.01).build().connect()) {
        client.dispatch("JOIN", "q");
        client.dispatch("MOVE", 1.234567, -2.0049);
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  Object players = server.state().get("players");
                  return players instanceof Map<?, ?> m
                      && m.values().stream()
                          .anyMatch(
                              p -> ((Map<?, ?>) p).get("position").equals(List.of(1.23, -2.0)));
                });
        await()
            .atMost(WAIT)
            .until(
                () ->
                    StateTree.deepEquals(
                        client.state().get("players"), server.state().get("players")));
      }
    }
  }

  @Test
  void theHostsShutdownStopsTheServerAndOthersCannot() throws Exception {
    AtomicReference<GameServer> ref = new AtomicReference<>();
    GameServer server = game(ref).build();
    ref.set(server);
    server.start();
    try (GameClient host = GameClient.builder(server.localAddress()).build().connect()) {
      await().atMost(WAIT).until(() -> server.hostId() != 0);
      GameClient guest = GameClient.builder(server.localAddress()).build().connect();
      guest.disconnect(true); // not the host: ignored
      assertThat(server.awaitStop(300, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(server.isRunning()).isTrue();
      host.disconnect(true);
      assertThat(server.awaitStop(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(WAIT).until(() -> !server.isRunning());
    } finally {
      server.close();
    }
  }

  @Test
  void statesConvergeThroughALossyDuplicatingReorderingLink() throws Exception {
    AtomicReference<GameServer> ref = new AtomicReference<>();
    LossyUdpProxy.Conditions bad =
        LossyUdpProxy.Conditions.none()
            .withLoss(0.2)
            .withDuplication(0.05)
            .withReorder(0.1, Duration.ofMillis(20));
    try (GameServer server = game(ref).build()) {
      ref.set(server);
      server.start();
      try (LossyUdpProxy proxy =
              LossyUdpProxy.builder(server.localAddress()).seed(20261123L).conditions(bad).start();
          GameClient client = GameClient.builder(proxy.address()).build().connect()) {
        client.dispatch("JOIN", "lossy");
        for (int step = 1; step <= 50; step++) {
          client.dispatch("MOVE", (double) step, 0.0);
        }
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  Object players = client.state().get("players");
                  return players instanceof Map<?, ?> m
                      && m.size() == 1
                      && m.values().iterator().next() instanceof Map<?, ?> p
                      && List.of(50.0, 0.0).equals(p.get("position"));
                });
        // The tick counter keeps moving: the client follows it without going backwards.
        int seen = client.timeOrder();
        long ticks = (Long) client.state().get("ticks");
        await().atMost(WAIT).until(() -> (Long) client.state().get("ticks") > ticks + 20);
        assertThat(io.gamewire.protocol.state.TimeOrder.isNewer(client.timeOrder(), seen)).isTrue();
      }
    }
  }
}
