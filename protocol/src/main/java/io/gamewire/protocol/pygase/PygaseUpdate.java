package io.gamewire.protocol.pygase;

import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.TimeOrder;
import java.util.Map;
import java.util.Objects;

/**
 * A PyGaSe GameStateUpdate: the changed part of the state tree, the time order it brings the state
 * to and, when the update carries it (a full state always does), the game status. On the wire the
 * changes, then {@code game_status}, then {@code time_order} are one MessagePack map
 * (docs/PYGASE.md); {@link io.gamewire.protocol.state.StateTree#DELETE} travels as the bin {@code
 * d2 81 e5 ba}.
 *
 * @param timeOrder 0..65535; 0 is a state no tick has changed yet, which no client applies
 * @param gameStatus the status, or null when this update does not change it
 * @param changes a frozen update tree without the keys {@code time_order} and {@code game_status}
 */
public record PygaseUpdate(int timeOrder, GameStatus gameStatus, Map<Object, Object> changes) {

  public PygaseUpdate {
    if (!TimeOrder.isValid(timeOrder)) {
      throw new IllegalArgumentException("timeOrder must be 0..65535, was " + timeOrder);
    }
    Objects.requireNonNull(changes, "changes (use StateTree.EMPTY)");
    if (changes.containsKey(PygaseWire.TIME_ORDER_KEY)
        || changes.containsKey(PygaseWire.GAME_STATUS_KEY)) {
      throw new IllegalArgumentException(
          "the keys time_order and game_status are reserved by PyGaSe; pass them as the record's"
              + " fields, not in changes");
    }
  }
}
