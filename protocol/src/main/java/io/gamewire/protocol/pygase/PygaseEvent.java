package io.gamewire.protocol.pygase;

import io.gamewire.protocol.state.StateTree;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A PyGaSe event: a type naming the handler, positional arguments and keyword arguments. On the
 * wire it is the MessagePack map {@code {"type": str, "handler_args": array, "handler_kwargs":
 * map}} (docs/PYGASE.md). Arguments are values of the state model ({@link StateTree}): null,
 * booleans, integers, floats (sent as float32), strings, bytes, lists and maps.
 *
 * @param type the handler's name, not empty
 * @param args positional arguments, frozen
 * @param kwargs keyword arguments by name, frozen
 */
public record PygaseEvent(String type, List<Object> args, Map<String, Object> kwargs) {

  public PygaseEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(args, "args (use List.of())");
    Objects.requireNonNull(kwargs, "kwargs (use Map.of())");
    if (type.isEmpty()) {
      throw new IllegalArgumentException("an event type must not be empty");
    }
  }

  /**
   * An event with the caller's arguments, deep-copied and checked against the state model; throws
   * {@link IllegalArgumentException} naming a value outside it.
   */
  public static PygaseEvent of(String type, List<?> args, Map<String, ?> kwargs) {
    Objects.requireNonNull(args, "args (use List.of())");
    Objects.requireNonNull(kwargs, "kwargs (use Map.of())");
    Map<Object, Object> wrapped = new LinkedHashMap<>();
    wrapped.put("args", args);
    wrapped.put("kwargs", kwargs);
    Map<Object, Object> frozen = StateTree.freeze(wrapped, false);
    @SuppressWarnings("unchecked")
    List<Object> a = (List<Object>) frozen.get("args");
    @SuppressWarnings("unchecked")
    Map<String, Object> k = (Map<String, Object>) (Map<?, ?>) frozen.get("kwargs");
    return new PygaseEvent(type, a, k);
  }

  /** An event with positional arguments only. */
  public static PygaseEvent of(String type, Object... args) {
    return of(type, java.util.Arrays.asList(args), Map.of());
  }
}
