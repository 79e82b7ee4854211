package io.gamewire.protocol.packet;

/** The two ends of a packet connection, with peng3dnet's numeric values (client 0, server 1). */
public enum Side {
  CLIENT(0),
  SERVER(1);

  private final int wireValue;

  Side(int wireValue) {
    this.wireValue = wireValue;
  }

  /** The value peng3dnet uses for this side. */
  public int wireValue() {
    return wireValue;
  }

  /** The other end of the connection. */
  public Side peer() {
    return this == CLIENT ? SERVER : CLIENT;
  }
}
