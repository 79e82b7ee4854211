package io.gamewire.cli.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.state.GameStateStore;
import io.gamewire.protocol.state.StateTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChaseGameTest {
  static Map<Object, Object> state(double chaserX, double otherX, boolean protection) {
    return StateTree.freeze(
        Map.of(
            "players",
            Map.of(
                1, Map.of("name", "chaser", "position", List.of(chaserX, 0.0)),
                2, Map.of("name", "runner", "position", List.of(otherX, 0.0))),
            "chaser_id",
            1,
            "protection",
            protection,
            "countdown",
            protection ? 1.0 : 0.0),
        false);
  }

  @Test
  void aPlayerCloserThanRootFifteenIsCaughtAndTheNewChaserIsProtected() {
    List<String> log = new ArrayList<>();
    Map<?, ?> update = ChaseGame.timeStep(state(0, 3.8, false), 0.02, log::add);
    assertThat(update).isEqualTo(Map.of("chaser_id", 2L, "protection", true, "countdown", 5.0));
    assertThat(log).containsExactly("runner has been caught");
    // √15 ≈ 3.873: just outside is safe.
    assertThat(ChaseGame.timeStep(state(0, 3.9, false), 0.02, log::add)).isEmpty();
  }

  @Test
  void protectionCountsDownAndEnds() {
    assertThat(ChaseGame.timeStep(state(0, 1, true), 0.25, s -> {}))
        .isEqualTo(Map.of("countdown", 0.75));
    assertThat(ChaseGame.timeStep(state(0, 1, true), 1.5, s -> {}))
        .isEqualTo(Map.of("countdown", 0.0, "protection", false));
  }

  @Test
  void botsChaseTheNearestOrFleeTheChaser() {
    Map<Object, Object> s = state(100, 150, false);
    double[] chaser = ChaseBot.step(s, 1, 0.1);
    double[] runner = ChaseBot.step(s, 2, 0.1);
    assertThat(chaser[0]).isGreaterThan(100);
    assertThat(runner[0]).isGreaterThan(150);
    assertThat(ChaseBot.step(s, 3, 0.1)).isNull();
  }

  @Test
  void theInitialStateFitsTheStore() {
    assertThat(new GameStateStore(ChaseGame.initialState()).state()).containsKey("players");
  }
}
