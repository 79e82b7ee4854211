package io.gamewire.protocol.realtime;

/** The kinds of realtime datagram (docs/PROTOCOL.md), with their wire codes. */
public enum PacketKind {
  CONNECT_REQUEST(1),
  CHALLENGE(2),
  CHALLENGE_RESPONSE(3),
  ACCEPTED(4),
  DENIED(5),
  PAYLOAD(6),
  KEEPALIVE(7),
  DISCONNECT(8);

  private static final PacketKind[] BY_CODE = new PacketKind[16];

  static {
    for (PacketKind k : values()) {
      BY_CODE[k.code] = k;
    }
  }

  private final int code;

  PacketKind(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The kind with this code, or null (codes come from the wire). */
  public static PacketKind fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
