package io.gamewire.protocol.state;

import java.util.ArrayList;
import java.util.HashMap;

/**
 * The sender's string keys, numbered in the order they were first sent, append-only and bounded:
 * once {@code capacity} keys are numbered, further keys travel inline. The receiver rebuilds the
 * same numbering from the definitions each delta carries (docs/STATE-SYNC.md, "Key table").
 */
final class KeyTable {
  private final int capacity;
  private final HashMap<String, Integer> ids = new HashMap<>();
  private final ArrayList<String> keys = new ArrayList<>();

  KeyTable(int capacity) {
    this.capacity = capacity;
  }

  int size() {
    return keys.size();
  }

  boolean full() {
    return keys.size() >= capacity;
  }

  /** The id of {@code key}, or -1 when it has none. */
  int id(String key) {
    Integer id = ids.get(key);
    return id == null ? -1 : id;
  }

  String key(int id) {
    return keys.get(id);
  }

  /** Numbers {@code key} (which has no id yet) with the next id; the table must not be full. */
  int add(String key) {
    int id = keys.size();
    keys.add(key);
    ids.put(key, id);
    return id;
  }

  /**
   * Forgets the keys numbered from {@code size} on. Only for keys that were never sent: the encoder
   * takes back an entry it wrote and then found unchanged.
   */
  void truncate(int size) {
    while (keys.size() > size) {
      ids.remove(keys.remove(keys.size() - 1));
    }
  }
}
