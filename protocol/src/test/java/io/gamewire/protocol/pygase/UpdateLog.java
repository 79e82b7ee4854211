package io.gamewire.protocol.pygase;

import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.protocol.state.TimeOrder;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * A minimal state source for tests: the state, its time order and the last {@code capacity}
 * updates; a client at 0 or behind the cache gets the full state with the game status.
 */
final class UpdateLog implements PygaseStateSource {
  record Entry(int timeOrder, Map<Object, Object> update) {}

  final int capacity;
  final ArrayDeque<Entry> cache = new ArrayDeque<>();
  Map<Object, Object> state = StateTree.EMPTY;
  int timeOrder = TimeOrder.NONE;
  GameStatus status = GameStatus.ACTIVE;
  int fullStatesServed;

  UpdateLog(int capacity) {
    this.capacity = capacity;
  }

  void push(Map<?, ?> update) {
    Map<Object, Object> u = StateTree.freeze(update, true);
    timeOrder = TimeOrder.next(timeOrder);
    state = StateTree.merge(state, u);
    cache.addLast(new Entry(timeOrder, u));
    if (cache.size() > capacity) {
      cache.removeFirst();
    }
  }

  @Override
  public PygaseUpdate updateFor(int client) {
    if (client == timeOrder && timeOrder != TimeOrder.NONE) {
      return new PygaseUpdate(timeOrder, null, StateTree.EMPTY);
    }
    boolean known =
        client != TimeOrder.NONE
            && !cache.isEmpty()
            && !TimeOrder.isNewer(cache.peekFirst().timeOrder(), TimeOrder.next(client))
            && TimeOrder.isNewer(timeOrder, client);
    if (!known) {
      fullStatesServed++;
      return new PygaseUpdate(timeOrder, status, state);
    }
    Map<Object, Object> merged = StateTree.EMPTY;
    for (Iterator<Entry> it = cache.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (TimeOrder.isNewer(e.timeOrder(), client)) {
        merged = mergeUpdates(merged, e.update());
      }
    }
    return new PygaseUpdate(timeOrder, null, merged);
  }

  /** Merges two updates keeping DELETE markers (StateTree.merge would drop them). */
  static Map<Object, Object> mergeUpdates(Map<Object, Object> a, Map<Object, Object> b) {
    Map<Object, Object> out = new java.util.LinkedHashMap<>(a);
    for (Map.Entry<Object, Object> e : b.entrySet()) {
      Object old = out.get(e.getKey());
      if (e.getValue() instanceof Map<?, ?> m && old instanceof Map<?, ?> o) {
        @SuppressWarnings("unchecked")
        Map<Object, Object> merged = mergeUpdates((Map<Object, Object>) o, (Map<Object, Object>) m);
        out.put(e.getKey(), merged);
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }
}
