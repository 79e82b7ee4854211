package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GameStateMachineTest {
  static final long MS = 1_000_000L;

  static GameStateMachine.Builder counterGame(GameStateStore store) {
    return GameStateMachine.builder(store)
        .tickRate(50)
        .timeStep((state, dt) -> Map.of("clock", (Double) state.get("clock") + dt))
        .handler(
            "ADD",
            (e, state, dt) ->
                Map.of("total", (Long) state.get("total") + e.longArg(0), "last", e.clientId()));
  }

  @Test
  void aTickRunsTheTimeStepThenEveryEventAndCommitsOneVersion() {
    GameStateStore store = new GameStateStore(Map.of("clock", 0.0, "total", 0));
    GameStateMachine m = counterGame(store).build();
    m.resume();
    int before = store.timeOrder();
    m.queueEvent(new GameEvent("ADD", List.of(2L), null, 7));
    m.queueEvent(new GameEvent("ADD", List.of(3L), null, 8));

    assertThat(m.tick(0)).isTrue();

    assertThat(store.timeOrder()).isEqualTo(TimeOrder.next(before));
    // Handlers see earlier changes of the same tick: 0 + 2 + 3.
    assertThat(store.state()).containsEntry("total", 5L).containsEntry("last", 8L);
    assertThat((Double) store.state().get("clock")).isEqualTo(0.02);
  }

  @Test
  void ticksRunOnAFixedScheduleAndPassTheRealElapsedTime() {
    GameStateStore store = new GameStateStore(Map.of("clock", 0.0, "total", 0));
    GameStateMachine m = counterGame(store).build();
    m.resume();
    assertThat(m.tick(0)).isTrue();
    assertThat(m.nextTickNanos()).isEqualTo(20 * MS);
    assertThat(m.tick(19 * MS)).isFalse();
    assertThat(m.tick(21 * MS)).isTrue();
    assertThat(m.nextTickNanos()).isEqualTo(40 * MS); // stays on the grid
    // A stall: the next tick takes the whole gap as dt and the schedule restarts from now.
    assertThat(m.tick(200 * MS)).isTrue();
    assertThat(m.nextTickNanos()).isEqualTo(220 * MS);
    assertThat((Double) store.state().get("clock"))
        .isCloseTo(0.22, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void pausedGamesHandleEventsButDoNotStep() {
    GameStateStore store = new GameStateStore(Map.of("clock", 0.0, "total", 0));
    GameStateMachine m = counterGame(store).build();
    m.queueEvent(new GameEvent("ADD", List.of(1L), null, 1));
    m.tick(0);
    assertThat(store.state()).containsEntry("clock", 0.0).containsEntry("total", 1L);
    int t = store.timeOrder();
    m.resume();
    assertThat(store.status()).isEqualTo(GameStatus.ACTIVE);
    assertThat(store.timeOrder()).isEqualTo(TimeOrder.next(t));
    assertThat(store.updateSince(t)).isEqualTo(Map.of(GameStateStore.GAME_STATUS, 1L));
    m.pause();
    assertThat(store.status()).isEqualTo(GameStatus.PAUSED);
  }

  @Test
  void handlerWorkPerTickIsBoundedAndTheRestWaits() {
    GameStateStore store = new GameStateStore(Map.of("clock", 0.0, "total", 0));
    GameStateMachine m = counterGame(store).maxEventsPerTick(2).build();
    for (int i = 0; i < 5; i++) {
      m.queueEvent(new GameEvent("ADD", List.of(1L), null, 1));
    }
    m.tick(0);
    assertThat(store.state()).containsEntry("total", 2L);
    assertThat(m.queuedEvents()).isEqualTo(3);
    m.tick(20 * MS);
    m.tick(40 * MS);
    assertThat(store.state()).containsEntry("total", 5L);
  }

  @Test
  void unknownTypesAndFailingHandlersAreCountedAndTheTickGoesOn() {
    GameStateStore store = new GameStateStore(Map.of("clock", 0.0, "total", 0));
    GameStateMachine m =
        counterGame(store)
            .handler(
                "BOOM",
                (e, s, dt) -> {
                  throw new IllegalStateException("bug");
                })
            .maxQueuedEvents(4)
            .build();
    m.queueEvent(new GameEvent("NOPE", null, null, 1));
    m.queueEvent(new GameEvent("BOOM", null, null, 1));
    m.queueEvent(new GameEvent("ADD", List.of(4L), null, 1));
    m.queueEvent(new GameEvent("ADD", List.of(4L), null, 1));
    assertThat(m.queueEvent(new GameEvent("ADD", List.of(4L), null, 1))).isFalse();
    m.tick(0);
    assertThat(m.unhandledEvents()).isEqualTo(1);
    assertThat(m.failedEvents()).isEqualTo(1);
    assertThat(store.state()).containsEntry("total", 8L);
  }
}
