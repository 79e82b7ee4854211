package io.gamewire.protocol.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable hash map whose {@link #with} and {@link #without} return a new map that shares all
 * but one path of its structure with this one: changing k keys of an n-key map costs about k·log₃₂
 * n small array copies instead of copying n entries. State versions are built this way, so a client
 * that applies an update touching 10 of 1,000 entities allocates for those 10, not for 1,000.
 *
 * <p>The structure is a compressed hash-array mapped trie in the CHAMP layout (Steindorfer and
 * Vinju, OOPSLA 2015): each node has one bitmap of the 32 hash slices that hold an entry inline and
 * one of those that hold a child node, and a single array with the inline keys and values from the
 * front and the children from the back. Keys with equal 32-bit hashes meet in a collision node at
 * the bottom. Every node stays canonical (a child never holds a single entry), so the trie's shape
 * depends only on its keys.
 *
 * <p>It is a read-only {@link Map}: the mutators of {@code Map} throw {@link
 * UnsupportedOperationException}; iteration order follows the hashes, not insertion. Null keys and
 * values are allowed. Instances are safe to share between threads without locks.
 */
public final class PersistentMap extends AbstractMap<Object, Object> {
  private static final int BITS = 5;
  private static final int MASK = (1 << BITS) - 1;

  /** Hash slices are taken at shifts 0, 5, …, 30; at 35 only keys with equal hashes remain. */
  private static final int MAX_SHIFT = 30;

  /** What {@link #getOrDefault} may be given to tell an absent key from a null value. */
  static final Object ABSENT = new Object();

  private static final PersistentMap EMPTY =
      new PersistentMap(new BitmapNode(0, 0, new Object[0], null), 0);

  private final Node root;
  private final int size;
  private Set<Map.Entry<Object, Object>> entries;

  private PersistentMap(Node root, int size) {
    this.root = root;
    this.size = size;
  }

  /** The empty map. */
  public static PersistentMap empty() {
    return EMPTY;
  }

  /** {@code map} itself if it is a {@code PersistentMap}, else a persistent copy of it. */
  public static PersistentMap copyOf(Map<?, ?> map) {
    if (map instanceof PersistentMap p) {
      return p;
    }
    PersistentMap out = EMPTY;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      out = out.with(e.getKey(), e.getValue());
    }
    return out;
  }

  /** This map with {@code key} mapped to {@code value}; this map itself if it already was. */
  public PersistentMap with(Object key, Object value) {
    Edit change = new Edit();
    Node next = root.put(key, value, hash(key), 0, change, null);
    if (next == root) {
      return this;
    }
    return new PersistentMap(next, change.added ? size + 1 : size);
  }

  /** This map without {@code key}; this map itself if it had no such key. */
  public PersistentMap without(Object key) {
    Node next = root.remove(key, hash(key), 0);
    if (next == root) {
      return this;
    }
    return new PersistentMap(next, size - 1);
  }

  /**
   * A builder that starts from this map and edits it in place: the nodes it creates are its own
   * until {@link Builder#build}, so many changes to one map copy each touched path once.
   */
  public Builder toBuilder() {
    return new Builder(root, size, new Edit());
  }

  /**
   * A builder that owns the nodes it creates through {@code edit}, which builders used one after
   * another may share (a decoder shares one per delta, so the built nodes keep one small token
   * alive, not one per map). Sharing is safe as long as no map built under {@code edit} has been
   * handed out before the last builder sharing it is done.
   */
  Builder toBuilder(Edit edit) {
    return new Builder(root, size, edit);
  }

  /** A builder with no map yet, to be started by {@link Builder#restart}. */
  static Builder idleBuilder() {
    return new Builder(null, 0, null);
  }

  /**
   * Changes to a {@link PersistentMap} gathered before one {@link #build}; single use, and not
   * thread-safe. The map it started from never changes.
   */
  public static final class Builder {
    private Node root;
    private int size;
    private Edit edit;

    private Builder(Node root, int size, Edit edit) {
      this.root = root;
      this.size = size;
      this.edit = edit;
    }

    private Node root() {
      if (root == null) {
        throw new IllegalStateException("this builder has built its map; start a new one");
      }
      return root;
    }

    /** Maps {@code key} to {@code value}. */
    public Builder put(Object key, Object value) {
      edit.added = false;
      root = root().put(key, value, hash(key), 0, edit, edit);
      if (edit.added) {
        size++;
      }
      return this;
    }

    /** Removes {@code key} if present. */
    public Builder remove(Object key) {
      Node next = root().remove(key, hash(key), 0);
      if (next != root) {
        root = next;
        size--;
      }
      return this;
    }

    /** The value of {@code key}, or {@code missing} when the key is absent. */
    public Object getOrDefault(Object key, Object missing) {
      return root().find(key, hash(key), 0, missing);
    }

    public int size() {
      return size;
    }

    /**
     * Starts this builder over on {@code from}, as {@code from.toBuilder(edit)} would make a new
     * one: for a caller that builds many maps one after another (a decoder keeps one per depth).
     */
    Builder restart(PersistentMap from, Edit edit) {
      this.root = from.root;
      this.size = from.size;
      this.edit = edit;
      return this;
    }

    /** The map; the builder can be used no further (until {@link #restart}). */
    public PersistentMap build() {
      Node r = root();
      root = null;
      return new PersistentMap(r, size);
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public Object get(Object key) {
    return root.find(key, hash(key), 0, null);
  }

  @Override
  public boolean containsKey(Object key) {
    return root.find(key, hash(key), 0, ABSENT) != ABSENT;
  }

  @Override
  public Object getOrDefault(Object key, Object defaultValue) {
    return root.find(key, hash(key), 0, defaultValue);
  }

  @Override
  public void forEach(BiConsumer<? super Object, ? super Object> action) {
    Objects.requireNonNull(action, "action");
    root.forEach(action);
  }

  @Override
  public Set<Map.Entry<Object, Object>> entrySet() {
    Set<Map.Entry<Object, Object>> s = entries;
    if (s == null) {
      s =
          new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<Object, Object>> iterator() {
              return new EntryIterator(root);
            }

            @Override
            public int size() {
              return size;
            }

            @Override
            public boolean contains(Object o) {
              if (!(o instanceof Map.Entry<?, ?> e)) {
                return false;
              }
              Object v = root.find(e.getKey(), hash(e.getKey()), 0, ABSENT);
              return v != ABSENT && Objects.equals(v, e.getValue());
            }
          };
      entries = s;
    }
    return s;
  }

  private static int hash(Object key) {
    return key == null ? 0 : key.hashCode();
  }

  private static int slice(int hash, int shift) {
    return (hash >>> shift) & MASK;
  }

  /**
   * The token of an edit: nodes created under it belong to it and may change in place while it
   * lasts. Also says whether the last put added a key (rather than replacing a value).
   */
  static final class Edit {
    boolean added;
  }

  // ---------------------------------------------------------------- nodes

  private abstract static class Node {
    /**
     * Inline entries as key, value pairs from the front; a bitmap node keeps its children after
     * them. Written only while the node belongs to a builder, before the map is built.
     */
    Object[] slots;

    Node(Object[] slots) {
      this.slots = slots;
    }

    final Object keyAt(int i) {
      return slots[2 * i];
    }

    final Object valueAt(int i) {
      return slots[2 * i + 1];
    }

    /** The value of {@code key}, or {@code missing}. */
    abstract Object find(Object key, int hash, int shift, Object missing);

    /**
     * This node with key → value; this node itself if nothing changed, or if it belongs to {@code
     * edit} (a builder; null for none) and was changed in place.
     */
    abstract Node put(Object key, Object value, int hash, int shift, Edit change, Object edit);

    /** This node without key; this node itself if the key is absent. */
    abstract Node remove(Object key, int hash, int shift);

    abstract void forEach(BiConsumer<? super Object, ? super Object> action);

    /** Inline entries (key/value pairs) in this node. */
    abstract int entryCount();

    /** Child nodes of this node. */
    abstract int childCount();

    abstract Node childAt(int i);

    /** Whether this node holds exactly one entry and no children (a parent inlines it). */
    final boolean isSingleEntry() {
      return entryCount() == 1 && childCount() == 0;
    }
  }

  /** Keys spread over the 32 slices of a hash at one shift. */
  private static final class BitmapNode extends Node {
    // Written only while the node belongs to a builder, before the map is built and published.
    int dataMap;
    int nodeMap; // children sit in reverse slice order at the back of slots
    final Object owner; // the builder that may edit this node in place, or null

    BitmapNode(int dataMap, int nodeMap, Object[] slots, Object owner) {
      super(slots);
      this.dataMap = dataMap;
      this.nodeMap = nodeMap;
      this.owner = owner;
    }

    /** This node with new contents: itself, changed, when {@code edit} owns it; else a new node. */
    private Node update(int dataMap, int nodeMap, Object[] slots, Object edit) {
      if (edit != null && owner == edit) {
        this.dataMap = dataMap;
        this.nodeMap = nodeMap;
        this.slots = slots;
        return this;
      }
      return new BitmapNode(dataMap, nodeMap, slots, edit);
    }

    /** The array to write a changed slot into: this node's own when {@code edit} owns it. */
    private Object[] writable(Object edit) {
      return edit != null && owner == edit ? slots : slots.clone();
    }

    private int dataIndex(int bit) {
      return Integer.bitCount(dataMap & (bit - 1));
    }

    private int childSlot(int bit) {
      return slots.length - 1 - Integer.bitCount(nodeMap & (bit - 1));
    }

    @Override
    Object find(Object key, int hash, int shift, Object missing) {
      int bit = 1 << slice(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = 2 * dataIndex(bit);
        return Objects.equals(slots[i], key) ? slots[i + 1] : missing;
      }
      if ((nodeMap & bit) != 0) {
        return ((Node) slots[childSlot(bit)]).find(key, hash, shift + BITS, missing);
      }
      return missing;
    }

    @Override
    Node put(Object key, Object value, int hash, int shift, Edit change, Object edit) {
      int bit = 1 << slice(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = 2 * dataIndex(bit);
        Object k = slots[i];
        if (Objects.equals(k, key)) {
          if (slots[i + 1] == value) {
            return this;
          }
          Object[] s = writable(edit);
          s[i + 1] = value;
          return update(dataMap, nodeMap, s, edit);
        }
        // Two keys in one slice: they move down into a new child.
        change.added = true;
        Node child = pair(k, slots[i + 1], hash(k), key, value, hash, shift + BITS, edit);
        return entryToChild(bit, i, child, edit);
      }
      if ((nodeMap & bit) != 0) {
        int c = childSlot(bit);
        Node child = (Node) slots[c];
        Node next = child.put(key, value, hash, shift + BITS, change, edit);
        if (next == child) {
          return this;
        }
        Object[] s = writable(edit);
        s[c] = next;
        return update(dataMap, nodeMap, s, edit);
      }
      change.added = true;
      int i = 2 * dataIndex(bit);
      Object[] s = new Object[slots.length + 2];
      System.arraycopy(slots, 0, s, 0, i);
      s[i] = key;
      s[i + 1] = value;
      System.arraycopy(slots, i, s, i + 2, slots.length - i);
      return update(dataMap | bit, nodeMap, s, edit);
    }

    /** Replaces the entry at array index {@code i} (slice {@code bit}) with {@code child}. */
    private Node entryToChild(int bit, int i, Node child, Object edit) {
      Object[] s = new Object[slots.length - 1];
      // The array loses a pair and gains a child; children sit in reverse slice order at the
      // back, so the new child goes after those whose slices are above its own.
      int childAt = s.length - 1 - Integer.bitCount(nodeMap & (bit - 1));
      System.arraycopy(slots, 0, s, 0, i);
      System.arraycopy(slots, i + 2, s, i, childAt - i);
      s[childAt] = child;
      System.arraycopy(slots, childAt + 2, s, childAt + 1, slots.length - childAt - 2);
      return update(dataMap ^ bit, nodeMap | bit, s, edit);
    }

    /** Replaces the child at slice {@code bit} with its single entry. */
    private Node childToEntry(int bit, Node single) {
      int c = childSlot(bit);
      int i = 2 * Integer.bitCount(dataMap & (bit - 1));
      Object[] s = new Object[slots.length + 1];
      System.arraycopy(slots, 0, s, 0, i);
      s[i] = single.keyAt(0);
      s[i + 1] = single.valueAt(0);
      System.arraycopy(slots, i, s, i + 2, c - i);
      System.arraycopy(slots, c + 1, s, c + 2, slots.length - c - 1);
      return new BitmapNode(dataMap | bit, nodeMap ^ bit, s, null);
    }

    @Override
    Node remove(Object key, int hash, int shift) {
      int bit = 1 << slice(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = 2 * dataIndex(bit);
        if (!Objects.equals(slots[i], key)) {
          return this;
        }
        return new BitmapNode(dataMap ^ bit, nodeMap, withoutPair(slots, i), null);
      }
      if ((nodeMap & bit) != 0) {
        int c = childSlot(bit);
        Node child = (Node) slots[c];
        Node next = child.remove(key, hash, shift + BITS);
        if (next == child) {
          return this;
        }
        if (next.isSingleEntry()) {
          if (dataMap == 0 && Integer.bitCount(nodeMap) == 1) {
            // This node is only a path to that entry: let the parent inline it (or, at the
            // root, hold it here as a plain entry at this shift).
            return new BitmapNode(bit, 0, new Object[] {next.keyAt(0), next.valueAt(0)}, null);
          }
          return childToEntry(bit, next);
        }
        Object[] s = slots.clone();
        s[c] = next;
        return new BitmapNode(dataMap, nodeMap, s, null);
      }
      return this;
    }

    @Override
    void forEach(BiConsumer<? super Object, ? super Object> action) {
      int data = 2 * Integer.bitCount(dataMap);
      for (int i = 0; i < data; i += 2) {
        action.accept(slots[i], slots[i + 1]);
      }
      for (int i = data; i < slots.length; i++) {
        ((Node) slots[i]).forEach(action);
      }
    }

    @Override
    int entryCount() {
      return Integer.bitCount(dataMap);
    }

    @Override
    int childCount() {
      return Integer.bitCount(nodeMap);
    }

    @Override
    Node childAt(int i) {
      return (Node) slots[2 * Integer.bitCount(dataMap) + i];
    }
  }

  /** Keys whose whole 32-bit hashes are equal, searched in turn. */
  private static final class CollisionNode extends Node {
    final int hash;

    CollisionNode(int hash, Object[] slots) {
      super(slots);
      this.hash = hash;
    }

    private int indexOf(Object key) {
      for (int i = 0; i < slots.length; i += 2) {
        if (Objects.equals(slots[i], key)) {
          return i;
        }
      }
      return -1;
    }

    @Override
    Object find(Object key, int hash, int shift, Object missing) {
      int i = indexOf(key);
      return i < 0 ? missing : slots[i + 1];
    }

    @Override
    Node put(Object key, Object value, int hash, int shift, Edit change, Object edit) {
      int i = indexOf(key);
      if (i >= 0) {
        if (slots[i + 1] == value) {
          return this;
        }
        Object[] s = slots.clone();
        s[i + 1] = value;
        return new CollisionNode(this.hash, s);
      }
      change.added = true;
      Object[] s = Arrays.copyOf(slots, slots.length + 2);
      s[slots.length] = key;
      s[slots.length + 1] = value;
      return new CollisionNode(this.hash, s);
    }

    @Override
    Node remove(Object key, int hash, int shift) {
      int i = indexOf(key);
      if (i < 0) {
        return this;
      }
      return new CollisionNode(this.hash, withoutPair(slots, i));
    }

    @Override
    void forEach(BiConsumer<? super Object, ? super Object> action) {
      for (int i = 0; i < slots.length; i += 2) {
        action.accept(slots[i], slots[i + 1]);
      }
    }

    @Override
    int entryCount() {
      return slots.length / 2;
    }

    @Override
    int childCount() {
      return 0;
    }

    @Override
    Node childAt(int i) {
      throw new IndexOutOfBoundsException(i);
    }
  }

  /** {@code slots} without the pair at index {@code i}. */
  private static Object[] withoutPair(Object[] slots, int i) {
    Object[] s = new Object[slots.length - 2];
    System.arraycopy(slots, 0, s, 0, i);
    System.arraycopy(slots, i + 2, s, i, slots.length - i - 2);
    return s;
  }

  /** A node holding two keys that share every hash slice before {@code shift}. */
  private static Node pair(
      Object k1, Object v1, int h1, Object k2, Object v2, int h2, int shift, Object edit) {
    if (shift > MAX_SHIFT) {
      return new CollisionNode(h1, new Object[] {k1, v1, k2, v2});
    }
    int s1 = slice(h1, shift);
    int s2 = slice(h2, shift);
    if (s1 == s2) {
      Node child = pair(k1, v1, h1, k2, v2, h2, shift + BITS, edit);
      return new BitmapNode(0, 1 << s1, new Object[] {child}, edit);
    }
    Object[] slots = s1 < s2 ? new Object[] {k1, v1, k2, v2} : new Object[] {k2, v2, k1, v1};
    return new BitmapNode((1 << s1) | (1 << s2), 0, slots, edit);
  }

  // ---------------------------------------------------------------- iteration

  /** Depth-first: a node's inline entries, then its children. */
  private static final class EntryIterator implements Iterator<Map.Entry<Object, Object>> {
    private static final int MAX_DEPTH = MAX_SHIFT / BITS + 2;
    private final Node[] nodes = new Node[MAX_DEPTH + 1];
    private final int[] nextChild = new int[MAX_DEPTH + 1];
    private int depth;
    private Node current;
    private int nextEntry;

    EntryIterator(Node root) {
      nodes[0] = root;
      current = root;
      advance();
    }

    /** Moves to the next node with an entry left, or sets {@code current} to null. */
    private void advance() {
      while (current != null && nextEntry >= current.entryCount()) {
        Node n = nodes[depth];
        if (nextChild[depth] < n.childCount()) {
          Node child = n.childAt(nextChild[depth]++);
          depth++;
          nodes[depth] = child;
          nextChild[depth] = 0;
          current = child;
          nextEntry = 0;
        } else if (depth == 0) {
          current = null;
        } else {
          nodes[depth] = null;
          depth--;
          current = nodes[depth];
          nextEntry = current.entryCount();
        }
      }
    }

    @Override
    public boolean hasNext() {
      return current != null;
    }

    @Override
    public Map.Entry<Object, Object> next() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      int i = nextEntry++;
      Map.Entry<Object, Object> e =
          new AbstractMap.SimpleImmutableEntry<>(current.keyAt(i), current.valueAt(i));
      advance();
      return e;
    }
  }
}
