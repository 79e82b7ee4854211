package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link PersistentMap} against {@link HashMap} as the model: random puts and removes over key
 * spaces small enough to revisit keys, with keys whose hashes collide in part or in whole so that
 * every node kind and depth is reached; every earlier version must stay as it was.
 */
class PersistentMapTest {

  /** A key with a chosen hash: equal hashes force collision nodes, shared low bits force depth. */
  record Key(int id, int hash) {
    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.id == id;
    }
  }

  private static Object key(Random r, int space, int hashKind) {
    int id = r.nextInt(space);
    return switch (hashKind) {
      case 0 -> (long) id; // the state's integer keys
      case 1 -> "k" + id; // the state's string keys
      case 2 -> new Key(id, id & 7); // eight hashes: collision nodes under a chain
      case 3 -> new Key(id, id << 27); // differ only in the top slices: deep paths
      default -> new Key(id, new Random(id).nextInt()); // spread
    };
  }

  private static Object value(Random r) {
    return r.nextInt(10) == 0 ? null : r.nextInt(5);
  }

  /** Maps kept along the way, each with what the model held then; none may change later. */
  private static final class Kept {
    final List<PersistentMap> maps = new ArrayList<>();
    final List<Map<Object, Object>> snapshots = new ArrayList<>();

    void keep(PersistentMap map, Map<Object, Object> model) {
      maps.add(map);
      snapshots.add(new HashMap<>(model));
    }

    void checkUnchanged(long seed) {
      for (int i = 0; i < maps.size(); i++) {
        assertSame(maps.get(i), snapshots.get(i), seed);
      }
    }
  }

  @Property(tries = 300)
  void behavesLikeAHashMapAndKeepsEveryVersion(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 300) int space,
      @ForAll @IntRange(min = 0, max = 4) int hashKind) {
    Random r = new Random(seed);
    PersistentMap map = PersistentMap.empty();
    Map<Object, Object> model = new HashMap<>();
    Kept kept = new Kept();
    int ops = 1 + r.nextInt(600);
    for (int i = 0; i < ops; i++) {
      Object k = key(r, space, hashKind);
      if (r.nextInt(3) == 0) {
        PersistentMap next = map.without(k);
        boolean had = model.containsKey(k);
        model.remove(k);
        assertThat(next == map)
            .as("seed %d: removing an absent key is no change", seed)
            .isEqualTo(!had);
        map = next;
      } else {
        Object v = value(r);
        map = map.with(k, v);
        model.put(k, v);
      }
      assertSame(map, model, seed);
      if (r.nextInt(20) == 0) {
        kept.keep(map, model);
      }
    }
    kept.checkUnchanged(seed);
  }

  @Property(tries = 300)
  void aBuilderEditsInPlaceWithoutTouchingTheMapItStartedFrom(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 300) int space,
      @ForAll @IntRange(min = 0, max = 4) int hashKind) {
    Random r = new Random(seed);
    PersistentMap map = PersistentMap.empty();
    Map<Object, Object> model = new HashMap<>();
    Kept kept = new Kept();
    int batches = 1 + r.nextInt(30);
    for (int b = 0; b < batches; b++) {
      PersistentMap.Builder builder = map.toBuilder();
      int ops = r.nextInt(60);
      for (int i = 0; i < ops; i++) {
        Object k = key(r, space, hashKind);
        if (r.nextInt(4) == 0) {
          builder.remove(k);
          model.remove(k);
        } else {
          Object v = value(r);
          builder.put(k, v);
          model.put(k, v);
        }
        assertThat(builder.size()).as("seed %d builder size", seed).isEqualTo(model.size());
        assertThat(builder.getOrDefault(k, "absent"))
            .isEqualTo(model.containsKey(k) ? model.get(k) : "absent");
      }
      map = builder.build();
      PersistentMap.Builder used = builder;
      assertThatThrownBy(() -> used.put("late", 1L)).isInstanceOf(IllegalStateException.class);
      assertSame(map, model, seed);
      kept.keep(map, model);
    }
    kept.checkUnchanged(seed);
  }

  private static void assertSame(PersistentMap map, Map<Object, Object> model, long seed) {
    assertThat(map.size()).as("seed %d size", seed).isEqualTo(model.size());
    assertThat(map.isEmpty()).isEqualTo(model.isEmpty());
    assertThat(map).as("seed %d equals", seed).isEqualTo(model);
    assertThat(model).isEqualTo(map);
    assertThat(map.hashCode()).isEqualTo(model.hashCode());
    Map<Object, Object> iterated = new HashMap<>();
    int n = 0;
    for (Map.Entry<Object, Object> e : map.entrySet()) {
      iterated.put(e.getKey(), e.getValue());
      n++;
    }
    assertThat(n).as("seed %d: iteration visits each key once", seed).isEqualTo(model.size());
    assertThat(iterated).isEqualTo(model);
    Map<Object, Object> visited = new HashMap<>();
    map.forEach(visited::put);
    assertThat(visited).isEqualTo(model);
    for (Map.Entry<Object, Object> e : model.entrySet()) {
      assertThat(map.containsKey(e.getKey())).isTrue();
      assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
    }
  }

  @Test
  void replacingAValueWithTheSameObjectIsNoChange() {
    Long v = 7L;
    PersistentMap m = PersistentMap.empty().with("a", v).with("b", 2L);
    assertThat(m.with("a", v)).isSameAs(m);
    assertThat(m.with("a", 8L)).isNotSameAs(m).containsEntry("a", 8L);
  }

  @Test
  void holdsNullKeysAndValues() {
    PersistentMap m = PersistentMap.empty().with(null, null).with("x", null);
    assertThat(m).hasSize(2).containsKey(null).containsKey("x");
    assertThat(m.get(null)).isNull();
    assertThat(m.getOrDefault("y", "none")).isEqualTo("none");
    assertThat(m.getOrDefault("x", "none")).isNull();
    assertThat(m.without(null)).hasSize(1).doesNotContainKey(null);
  }

  @Test
  void copyOfKeepsEntriesAndReturnsAPersistentMapItself() {
    Map<Object, Object> source = new LinkedHashMap<>();
    for (long i = 0; i < 100; i++) {
      source.put(i, "v" + i);
    }
    PersistentMap copy = PersistentMap.copyOf(source);
    assertThat(copy).isEqualTo(source);
    assertThat(PersistentMap.copyOf(copy)).isSameAs(copy);
  }

  @Test
  void isReadOnlyThroughTheMapInterface() {
    PersistentMap m = PersistentMap.empty().with("a", 1L);
    assertThatThrownBy(() -> m.put("b", 2L)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> m.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(m::clear).isInstanceOf(UnsupportedOperationException.class);
    Iterator<Map.Entry<Object, Object>> it = m.entrySet().iterator();
    Map.Entry<Object, Object> e = it.next();
    assertThatThrownBy(() -> e.setValue(3L)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(it::remove).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    assertThat(m).containsExactlyEntriesOf(Map.of("a", 1L));
  }

  @Test
  void aChangeSharesEverythingOffItsPath() {
    PersistentMap m = PersistentMap.empty();
    for (long i = 0; i < 1000; i++) {
      m = m.with(i, Map.of("hp", i));
    }
    PersistentMap changed = m.with(500L, Map.of("hp", 0L));
    for (long i = 0; i < 1000; i++) {
      if (i != 500) {
        assertThat(changed.get(i)).isSameAs(m.get(i));
      }
    }
    assertThat(m.get(500L)).isEqualTo(Map.of("hp", 500L));
  }
}
