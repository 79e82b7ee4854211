package io.gamewire.protocol.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded random state trees and updates of every kind of value the model holds. */
final class RandomTrees {
  private static final String[] KEYS = {"a", "b", "pos", "name", "hp", "é", "键", "x y", ""};
  private static final double[] ODD_DOUBLES = {
    0.0,
    -0.0,
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    1e300,
    -1e-300,
    Double.MIN_VALUE,
    2.8e12,
    0.1,
    0.3,
    1.0 / 3
  };
  private static final long[] ODD_LONGS = {
    0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, 1L << 40, -(1L << 62)
  };

  private final Random random;
  private int freshKeys;

  RandomTrees(long seed) {
    this.random = new Random(seed);
  }

  Random random() {
    return random;
  }

  Map<Object, Object> tree(int depth) {
    Map<Object, Object> m = new LinkedHashMap<>();
    int n = random.nextInt(depth == 0 ? 2 : 6);
    for (int i = 0; i < n; i++) {
      m.put(key(), value(depth - 1));
    }
    return Collections.unmodifiableMap(m);
  }

  Object key() {
    int k = random.nextInt(10);
    if (k < 4) {
      return (long) (random.nextInt(24) - 4);
    }
    if (k == 4) {
      return ODD_LONGS[random.nextInt(ODD_LONGS.length)];
    }
    if (k == 5) {
      return "k" + (freshKeys++);
    }
    return KEYS[random.nextInt(KEYS.length)];
  }

  Object value(int depth) {
    int kind = random.nextInt(depth <= 0 ? 8 : 11);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return random.nextBoolean();
      case 2:
        return random.nextBoolean()
            ? (long) random.nextInt(200) - 100
            : ODD_LONGS[random.nextInt(ODD_LONGS.length)];
      case 3:
        return random.nextInt(4) == 0
            ? ODD_DOUBLES[random.nextInt(ODD_DOUBLES.length)]
            : (random.nextDouble() - 0.5) * 200;
      case 4:
        return (double) (float) (random.nextDouble() * 10);
      case 5:
        return string();
      case 6:
        {
          byte[] b = new byte[random.nextInt(6)];
          random.nextBytes(b);
          return b;
        }
      case 7:
        return random.nextInt(3) == 0 ? Collections.emptyMap() : Map.of();
      case 8:
      case 9:
        return tree(depth);
      default:
        {
          Object[] items = new Object[random.nextInt(5)];
          for (int i = 0; i < items.length; i++) {
            items[i] = value(depth - 1);
          }
          return Collections.unmodifiableList(Arrays.asList(items));
        }
    }
  }

  String string() {
    StringBuilder sb = new StringBuilder();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      int c = random.nextInt(4);
      sb.appendCodePoint(
          c == 0
              ? 'a' + random.nextInt(26)
              : c == 1 ? 0xe0 + random.nextInt(20) : c == 2 ? 0x1F600 : 0);
    }
    return sb.toString();
  }

  /** A random update of {@code base}: changed leaves, nudged numbers, deletions, new keys. */
  Map<Object, Object> update(Map<Object, Object> base, int depth) {
    Map<Object, Object> u = new LinkedHashMap<>();
    for (Map.Entry<Object, Object> e : base.entrySet()) {
      int what = random.nextInt(10);
      Object v = e.getValue();
      if (what < 4) {
        continue;
      }
      if (what == 4) {
        u.put(e.getKey(), StateTree.DELETE);
      } else if (v instanceof Map<?, ?> m && depth > 0) {
        Map<Object, Object> sub = update(StateTree.cast(m), depth - 1);
        if (!sub.isEmpty()) {
          u.put(e.getKey(), sub);
        }
      } else if (v instanceof List<?> l && !l.isEmpty() && what < 8) {
        List<Object> copy = new ArrayList<>(l);
        int i = random.nextInt(copy.size());
        copy.set(i, nudge(copy.get(i), depth));
        u.put(e.getKey(), Collections.unmodifiableList(copy));
      } else if (what < 8) {
        u.put(e.getKey(), nudge(v, depth));
      } else {
        u.put(e.getKey(), value(depth));
      }
    }
    for (int i = random.nextInt(3); i > 0; i--) {
      u.put(key(), value(depth));
    }
    return u;
  }

  private Object nudge(Object v, int depth) {
    if (v instanceof Long l) {
      return l + random.nextInt(21) - 10;
    }
    if (v instanceof Double d) {
      return d + (random.nextDouble() - 0.5);
    }
    if (v instanceof Map<?, ?> m) {
      return StateTree.freeze(
          StateTree.merge(StateTree.cast(m), update(StateTree.cast(m), 1)), false);
    }
    return value(depth);
  }
}
