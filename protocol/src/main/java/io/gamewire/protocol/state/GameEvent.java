package io.gamewire.protocol.state;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An event for the game: a type, positional and keyword arguments (state values), and the client
 * that sent it ({@link #SERVER} when the server raised it itself).
 */
public record GameEvent(String type, List<Object> args, Map<String, Object> kwargs, int clientId) {
  /** The client id of events the server raises itself. */
  public static final int SERVER = 0;

  public GameEvent {
    Objects.requireNonNull(type, "type");
    args = args == null ? List.of() : args;
    kwargs = kwargs == null ? Map.of() : kwargs;
  }

  /** The positional argument at {@code i} as a long; a clear error if it is not an integer. */
  public long longArg(int i) {
    if (i >= args.size() || !(args.get(i) instanceof Long l)) {
      throw new IllegalArgumentException(
          "event " + type + ": argument " + i + " is not an integer: " + arg(i));
    }
    return l;
  }

  /** The positional argument at {@code i} as a double (integers widen). */
  public double doubleArg(int i) {
    Object v = arg(i);
    if (v instanceof Double d) {
      return d;
    }
    if (v instanceof Long l) {
      return l;
    }
    throw new IllegalArgumentException(
        "event " + type + ": argument " + i + " is not a number: " + v);
  }

  /** The positional argument at {@code i}, or null when there are fewer. */
  public Object arg(int i) {
    return i < args.size() ? args.get(i) : null;
  }
}
