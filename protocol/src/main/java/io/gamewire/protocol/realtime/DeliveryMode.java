package io.gamewire.protocol.realtime;

/** How a channel delivers its messages (docs/PROTOCOL.md section 4), with the wire codes. */
public enum DeliveryMode {
  /** At most once, in any order. */
  UNRELIABLE(0),
  /** At most once, never older than one already delivered: stale messages are dropped. */
  UNRELIABLE_SEQUENCED(1),
  /** Exactly once, in any order; resent until acknowledged. */
  RELIABLE_UNORDERED(2),
  /** Exactly once, in the order sent; resent until acknowledged. */
  RELIABLE_ORDERED(3);

  private static final DeliveryMode[] BY_CODE = values();

  private final int code;

  DeliveryMode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public boolean isReliable() {
    return this == RELIABLE_UNORDERED || this == RELIABLE_ORDERED;
  }

  /** Whether a message of this mode carries a message id even when it is whole. */
  public boolean hasId() {
    return this != UNRELIABLE;
  }

  static DeliveryMode fromCode(int code) {
    return BY_CODE[code & 3];
  }
}
