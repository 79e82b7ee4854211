package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GameStateStoreTest {

  @Test
  void startsPausedAtTimeOrderOneAndCountsUpPerPush() {
    GameStateStore store = new GameStateStore(Map.of("score", 0));
    assertThat(store.timeOrder()).isEqualTo(1);
    assertThat(store.status()).isEqualTo(GameStatus.PAUSED);
    assertThat(store.push(Map.of("score", 1))).isEqualTo(2);
    assertThat(store.push(Map.of())).isEqualTo(3);
    assertThat(store.state()).containsEntry("score", 1L);
  }

  @Test
  void aClientGetsTheMergeOfEverythingNewerThanItsVersion() {
    GameStateStore store = new GameStateStore(Map.of("a", 1, "b", 1, "c", Map.of("x", 1)));
    int seen = store.timeOrder();
    store.push(Map.of("a", 2));
    store.push(Map.of("b", StateTree.DELETE));
    store.push(Map.of("c", Map.of("y", 2)));

    Map<Object, Object> update = store.updateSince(seen);

    assertThat(update).isEqualTo(Map.of("a", 2L, "b", StateTree.DELETE, "c", Map.of("y", 2L)));
    assertThat(StateTree.merge(store.versionAt(seen), update)).isEqualTo(store.state());
    assertThat(store.updateSince(store.timeOrder())).isEmpty();
    assertThat(store.updateSince(seen)).isSameAs(update); // memoised until the next commit
  }

  @Test
  void aClientWithNoStateOrOlderThanTheCacheGetsTheFullState() {
    GameStateStore store = new GameStateStore(Map.of("a", 0), 3);
    int old = store.timeOrder();
    for (int i = 1; i <= 4; i++) {
      store.push(Map.of("a", i));
    }
    assertThat(store.isFullFor(old)).isTrue();
    assertThat(store.updateSince(old)).isSameAs(store.state());
    assertThat(store.updateSince(TimeOrder.NONE)).isSameAs(store.state());
    assertThat(store.isFullFor(store.timeOrder() - 3)).isFalse();
    // A time order the server never made (a lying or confused client) also gets the full state.
    assertThat(store.updateSince(60_000)).isSameAs(store.state());
  }

  @Test
  void timeOrdersWrapFrom65535ToOneAndDiffsStillWork() {
    GameStateStore store = new GameStateStore(Map.of("n", 0), 10);
    for (int i = 1; i < 65_534; i++) {
      store.push(Map.of());
    }
    assertThat(store.timeOrder()).isEqualTo(65_534);
    int before = store.timeOrder();
    store.push(Map.of("n", 1));
    store.push(Map.of("n", 2));
    assertThat(store.timeOrder()).isEqualTo(1);
    assertThat(TimeOrder.isNewer(store.timeOrder(), before)).isTrue();
    assertThat(store.updateSince(before)).isEqualTo(Map.of("n", 2L));
  }

  @Test
  void theStatusKeyIsReserved() {
    assertThatThrownBy(() -> new GameStateStore(Map.of(GameStateStore.GAME_STATUS, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved");
  }
}
