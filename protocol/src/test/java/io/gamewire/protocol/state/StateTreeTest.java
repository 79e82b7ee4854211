package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateTreeTest {

  @Test
  void mergeOverwritesLeavesMergesMapsAndDeletesKeys() {
    Map<Object, Object> base =
        StateTree.freeze(
            Map.of("score", 1, "players", Map.of(1, Map.of("x", 1.0, "y", 2.0), 2, Map.of())),
            false);
    Map<Object, Object> update =
        StateTree.freeze(
            Map.of("score", 2, "players", Map.of(1, Map.of("x", 5.0), 2, StateTree.DELETE)), true);

    Map<Object, Object> merged = StateTree.merge(base, update);

    assertThat(merged)
        .isEqualTo(Map.of("score", 2L, "players", Map.of(1L, Map.of("x", 5.0, "y", 2.0))));
    assertThat(base.get("score")).isEqualTo(1L); // the base version is untouched
  }

  @Test
  void mergeSharesUntouchedSubtrees() {
    Map<Object, Object> base =
        StateTree.freeze(Map.of("map", Map.of("tiles", List.of(1, 2, 3)), "t", 0), false);
    Map<Object, Object> merged = StateTree.merge(base, StateTree.freeze(Map.of("t", 1), true));
    assertThat(merged.get("map")).isSameAs(base.get("map"));
    assertThat(StateTree.merge(base, StateTree.EMPTY)).isSameAs(base);
  }

  @Test
  void diffTurnsOneVersionIntoTheOther() {
    Map<Object, Object> v1 =
        StateTree.freeze(Map.of("a", Map.of("b", 1, "c", 2), "gone", true, "same", "x"), false);
    Map<Object, Object> v2 =
        StateTree.merge(v1, StateTree.freeze(Map.of("a", StateTree.DELETE), true));
    Map<Object, Object> v3 =
        StateTree.merge(
            v2, StateTree.freeze(Map.of("a", Map.of("d", 3), "gone", StateTree.DELETE), true));

    Map<Object, Object> d = StateTree.diff(v1, v3);

    assertThat(StateTree.merge(v1, d))
        .isEqualTo(v3)
        .isEqualTo(Map.of("a", Map.of("d", 3L), "same", "x"));
    assertThat(d).doesNotContainKey("same");
    assertThat(StateTree.diff(v3, v3)).isEmpty();
    assertThat(StateTree.diff(StateTree.EMPTY, v3)).isEqualTo(v3);
  }

  @Test
  void freezeNormalisesNumbersAndKeysAndRejectsForeignValues() {
    Map<Object, Object> t =
        StateTree.freeze(Map.of(7, 1.5f, "list", Arrays.asList(1, null, "x")), false);
    assertThat(t).containsEntry(7L, 1.5).containsKey("list");
    assertThat(t.get("list")).isEqualTo(Arrays.asList(1L, null, "x"));
    assertThatThrownBy(() -> StateTree.freeze(Map.of("a", Map.of("b", new Object())), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/a/b");
    assertThatThrownBy(() -> StateTree.freeze(Map.of("a", StateTree.DELETE), false))
        .hasMessageContaining("only allowed in updates");
    assertThatThrownBy(() -> StateTree.freeze(Map.of(1.5, 1), false))
        .hasMessageContaining("string or an integer");
  }

  @Test
  void deepEqualsComparesBytesByContent() {
    assertThat(StateTree.deepEquals(Map.of("b", new byte[] {1, 2}), Map.of("b", new byte[] {1, 2})))
        .isTrue();
    assertThat(StateTree.deepEquals(List.of(new byte[] {1}), List.of(new byte[] {2}))).isFalse();
  }

  @Test
  void timeOrdersWrapLikeSequences() {
    assertThat(TimeOrder.next(65535)).isEqualTo(1);
    assertThat(TimeOrder.isNewer(1, 65535)).isTrue();
    assertThat(TimeOrder.isNewer(65535, 1)).isFalse();
    assertThat(TimeOrder.isNewer(1, TimeOrder.NONE)).isTrue();
  }
}
