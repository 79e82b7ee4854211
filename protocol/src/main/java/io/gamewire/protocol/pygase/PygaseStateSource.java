package io.gamewire.protocol.pygase;

/**
 * Where a {@link PygaseServerEndpoint} gets the state update for a client, on every send tick of
 * that client (PyGaSe sends one each tick, even if empty). The game-state store implements it.
 */
@FunctionalInterface
public interface PygaseStateSource {

  /**
   * The update that brings a client holding {@code clientTimeOrder} to the current state: the merge
   * of every update newer than it, or the full state with its game status when the client has
   * {@link io.gamewire.protocol.state.TimeOrder#NONE} or has fallen behind what the source keeps.
   * Runs on the endpoint's thread and must not block.
   */
  PygaseUpdate updateFor(int clientTimeOrder);
}
