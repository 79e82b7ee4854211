package io.gamewire.protocol.packet;

/**
 * What deciding an application send needs, as an immutable picture of an established {@link
 * PacketConnection}: its side, state, mode, connection type, security level and the wire ids agreed
 * in the handshake. The connection's thread publishes it ({@link PacketConnection#sendContext()});
 * another thread may then check a packet's guard and encode the frame itself, so a send from an
 * application thread costs no hand-off per packet.
 *
 * <p>A picture can be stale: a send it allows is one the connection allowed at the time it was
 * taken. Anything it does not allow ({@link #wireIdFor} returns -1) must be handed to the
 * connection's thread, which decides with its current state (ignore, close, or throw).
 */
public final class SendContext {
  private final Side side;
  private final int state;
  private final int mode;
  private final String connectionType;
  private final SecurityLevel security;
  private final PacketRegistry registry;
  private final int[] wireIds;

  SendContext(
      Side side,
      int state,
      int mode,
      String connectionType,
      SecurityLevel security,
      PacketRegistry registry,
      int[] wireIds) {
    this.side = side;
    this.state = state;
    this.mode = mode;
    this.connectionType = connectionType;
    this.security = security;
    this.registry = registry;
    this.wireIds = wireIds;
  }

  /**
   * The id to put on the wire for {@code type}, or -1 when the picture does not allow the send: the
   * type is internal or from another registry, its guard refuses, or the peer does not know it.
   */
  public int wireIdFor(PacketType<?> type) {
    int i = type.index();
    if (i >= registry.size() || registry.types().get(i) != type || type.isInternal()) {
      return -1;
    }
    if (type.guard().checkSend(side, state, mode, connectionType, security) != null) {
      return -1;
    }
    return wireIds == null ? type.id() : wireIds[i];
  }

  boolean matches(int state, int mode, String connectionType, SecurityLevel security, int[] ids) {
    return this.state == state
        && this.mode == mode
        && this.connectionType == connectionType
        && this.security == security
        && this.wireIds == ids;
  }
}
