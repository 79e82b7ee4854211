package io.gamewire.protocol.state;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value model of game state, shared by every profile and codec.
 *
 * <p>A state is a tree: maps whose keys are {@code String} or {@code Long} (integer keys are
 * normalised to {@code Long}), lists, and leaves: {@code null}, {@code Boolean}, {@code Long},
 * {@code Double}, {@code String}, {@code byte[]}. An <em>update</em> is a tree of the same kind
 * that may also hold {@link #DELETE}, meaning "remove this key".
 *
 * <p><b>Versions are immutable.</b> Trees returned by {@link #freeze} and {@link #merge} are
 * unmodifiable, and {@code merge} shares every subtree the update does not touch with its base. So
 * two versions of a state differ exactly in the subtrees that are not the same object, and a diff
 * can skip everything that is reference-equal. Never mutate a map or list after handing it in.
 */
public final class StateTree {

  /** The delete marker: in an update, removes the key it is stored under. */
  public static final Object DELETE =
      new Object() {
        @Override
        public String toString() {
          return "DELETE";
        }
      };

  /** The empty tree. */
  public static final Map<Object, Object> EMPTY = Map.of();

  private StateTree() {}

  /**
   * Applies {@code update} to {@code base}: maps merge recursively, any other value replaces what
   * was there, {@link #DELETE} removes the key. Returns a new version that shares every untouched
   * subtree with {@code base}; neither argument changes. Both must be frozen trees.
   */
  public static Map<Object, Object> merge(Map<Object, Object> base, Map<Object, Object> update) {
    if (update.isEmpty()) {
      return base;
    }
    Map<Object, Object> out = new LinkedHashMap<>(base);
    for (Map.Entry<Object, Object> e : update.entrySet()) {
      Object key = e.getKey();
      Object value = e.getValue();
      if (value == DELETE) {
        out.remove(key);
      } else if (value instanceof Map<?, ?> m && out.get(key) instanceof Map<?, ?> old) {
        out.put(key, merge(cast(old), cast(m)));
      } else {
        out.put(key, value);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * The update that turns version {@code from} into version {@code to}: {@code merge(from,
   * diff(from, to))} equals {@code to}. Subtrees that are the same object in both versions are
   * skipped without a look inside, so the cost follows what changed, not the size of the state.
   * Returns {@link #EMPTY} when nothing changed.
   */
  public static Map<Object, Object> diff(Map<Object, Object> from, Map<Object, Object> to) {
    if (from == to) {
      return EMPTY;
    }
    Map<Object, Object> out = null;
    for (Map.Entry<Object, Object> e : to.entrySet()) {
      Object key = e.getKey();
      Object now = e.getValue();
      Object before = from.get(key);
      Object change;
      if (before == now && (now != null || from.containsKey(key))) {
        continue;
      } else if (before == null && !from.containsKey(key)) {
        change = now;
      } else if (before instanceof Map<?, ?> b && now instanceof Map<?, ?> n) {
        Map<Object, Object> sub = diff(cast(b), cast(n));
        if (sub.isEmpty()) {
          continue;
        }
        change = sub;
      } else if (deepEquals(before, now)) {
        continue;
      } else {
        change = now;
      }
      if (out == null) {
        out = new LinkedHashMap<>();
      }
      out.put(key, change);
    }
    if (from.size() + (out == null ? 0 : out.size()) > to.size()) {
      for (Object key : from.keySet()) {
        if (!to.containsKey(key)) {
          if (out == null) {
            out = new LinkedHashMap<>();
          }
          out.put(key, DELETE);
        }
      }
    }
    return out == null ? EMPTY : Collections.unmodifiableMap(out);
  }

  /**
   * A frozen deep copy of a caller's tree: keys normalised ({@code Integer}, {@code Short}, {@code
   * Byte} to {@code Long}), numbers normalised ({@code Integer} … to {@code Long}, {@code Float} to
   * {@code Double}), every map and list unmodifiable. Throws {@link IllegalArgumentException}
   * naming the path of a value outside the model; {@code allowDelete} admits {@link #DELETE}
   * (updates).
   */
  public static Map<Object, Object> freeze(Map<?, ?> tree, boolean allowDelete) {
    return freezeMap(tree, allowDelete, "");
  }

  private static Map<Object, Object> freezeMap(Map<?, ?> m, boolean allowDelete, String path) {
    Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object key = normaliseKey(e.getKey(), path);
      String at = path + "/" + key;
      out.put(key, freezeValue(e.getValue(), allowDelete, at));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object freezeValue(Object v, boolean allowDelete, String path) {
    if (v == null
        || v instanceof Boolean
        || v instanceof Long
        || v instanceof Double
        || v instanceof String) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof byte[] b) {
      return b.clone();
    }
    if (v == DELETE) {
      if (!allowDelete) {
        throw new IllegalArgumentException("DELETE is only allowed in updates, found at " + path);
      }
      return v;
    }
    if (v instanceof Map<?, ?> m) {
      return freezeMap(m, allowDelete, path);
    }
    if (v instanceof List<?> l) {
      Object[] items = new Object[l.size()];
      for (int i = 0; i < items.length; i++) {
        items[i] = freezeValue(l.get(i), false, path + "[" + i + "]");
      }
      return Collections.unmodifiableList(Arrays.asList(items));
    }
    throw new IllegalArgumentException(
        "a state value must be null, boolean, integer, float, string, byte[], list or map; "
            + "found "
            + v.getClass().getName()
            + " at "
            + (path.isEmpty() ? "/" : path));
  }

  /** Integer keys become {@code Long}; strings stay; anything else is a caller error. */
  public static Object normaliseKey(Object key, String path) {
    if (key instanceof String || key instanceof Long) {
      return key;
    }
    if (key instanceof Integer || key instanceof Short || key instanceof Byte) {
      return ((Number) key).longValue();
    }
    throw new IllegalArgumentException(
        "a state key must be a string or an integer; found "
            + (key == null ? "null" : key.getClass().getName())
            + " under "
            + (path.isEmpty() ? "/" : path));
  }

  /** Deep equality that compares {@code byte[]} by content. */
  public static boolean deepEquals(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.equals(x, y);
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!y.containsKey(e.getKey()) || !deepEquals(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!deepEquals(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a != null && a.equals(b);
  }

  @SuppressWarnings("unchecked")
  static Map<Object, Object> cast(Map<?, ?> m) {
    return (Map<Object, Object>) m;
  }
}
