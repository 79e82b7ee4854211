package io.gamewire.protocol.state;

/** Whether the game runs; PyGaSe puts it in a full state as {@code game_status} 0 or 1. */
public enum GameStatus {
  PAUSED(0),
  ACTIVE(1);

  private final int wire;

  GameStatus(int wire) {
    this.wire = wire;
  }

  public int wire() {
    return wire;
  }

  /** The status for a wire value, or null when it is neither 0 nor 1. */
  public static GameStatus fromWire(long value) {
    return value == 0 ? PAUSED : value == 1 ? ACTIVE : null;
  }
}
