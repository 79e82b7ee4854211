package io.gamewire.protocol.packet;

import java.util.Objects;

/**
 * The conditions under which a packet may be sent or received: peng3dnet's "smart packet". Every
 * condition left {@code null} is not checked.
 *
 * <ul>
 *   <li>{@code state}: the connection state must equal this exactly (send and receive). When null,
 *       the connection must merely be established ({@code ACTIVE} or {@code LOGGEDIN}).
 *   <li>{@code receivedBy}: the side that may receive the packet; the other side is the only one
 *       that may send it.
 *   <li>{@code mode}: the connection mode must equal this exactly.
 *   <li>{@code connectionType}: the connection type's name must equal this.
 *   <li>{@code minSecurity}: the connection's TLS level must be at least this; checked when
 *       sending.
 *   <li>{@code onViolation}: ignore the packet, or close with {@code smartpacketinvalid}.
 * </ul>
 *
 * <p>Packets registered without a guard use {@link #DEFAULT}: established connections only, either
 * direction, and a violation closes the connection, because an application packet before the
 * handshake is a protocol error.
 */
public record PacketGuard(
    Integer state,
    Side receivedBy,
    Integer mode,
    String connectionType,
    SecurityLevel minSecurity,
    InvalidAction onViolation) {

  /**
   * Established connections, both directions, any mode and type, any security; close on violation.
   */
  public static final PacketGuard DEFAULT =
      new PacketGuard(null, null, null, null, SecurityLevel.NONE, InvalidAction.CLOSE);

  public PacketGuard {
    Objects.requireNonNull(minSecurity, "minSecurity");
    Objects.requireNonNull(onViolation, "onViolation");
  }

  /** A guard with peng3dnet's SmartPacket defaults: state ACTIVE exactly, ignore on violation. */
  public static PacketGuard smart() {
    return new PacketGuard(
        ConnectionState.ACTIVE, null, null, null, SecurityLevel.NONE, InvalidAction.IGNORE);
  }

  public PacketGuard withState(Integer exactState) {
    return new PacketGuard(exactState, receivedBy, mode, connectionType, minSecurity, onViolation);
  }

  public PacketGuard withReceivedBy(Side side) {
    return new PacketGuard(state, side, mode, connectionType, minSecurity, onViolation);
  }

  public PacketGuard withMode(Integer exactMode) {
    return new PacketGuard(state, receivedBy, exactMode, connectionType, minSecurity, onViolation);
  }

  public PacketGuard withConnectionType(String type) {
    return new PacketGuard(state, receivedBy, mode, type, minSecurity, onViolation);
  }

  public PacketGuard withMinSecurity(SecurityLevel level) {
    return new PacketGuard(state, receivedBy, mode, connectionType, level, onViolation);
  }

  public PacketGuard withOnViolation(InvalidAction action) {
    return new PacketGuard(state, receivedBy, mode, connectionType, minSecurity, action);
  }

  /**
   * Returns null when {@code localSide} may send the packet now, else why not. Sending checks the
   * security level; receiving does not (peng3dnet's rule).
   */
  String checkSend(
      Side localSide, int currentState, int currentMode, String type, SecurityLevel sec) {
    String common = checkCommon(currentState, currentMode, type);
    if (common != null) {
      return common;
    }
    if (receivedBy != null && receivedBy == localSide) {
      return "it may only be sent by the " + localSide.peer().name().toLowerCase();
    }
    if (!sec.atLeast(minSecurity)) {
      return "it needs security level " + minSecurity + " but the connection has " + sec;
    }
    return null;
  }

  /** Returns null when {@code localSide} may receive the packet now, else why not. */
  String checkReceive(Side localSide, int currentState, int currentMode, String type) {
    String common = checkCommon(currentState, currentMode, type);
    if (common != null) {
      return common;
    }
    if (receivedBy != null && receivedBy != localSide) {
      return "it may only be received by the " + receivedBy.name().toLowerCase();
    }
    return null;
  }

  private String checkCommon(int currentState, int currentMode, String type) {
    if (state == null) {
      if (!ConnectionState.isEstablished(currentState)) {
        return "the connection is in state "
            + ConnectionState.name(currentState)
            + ", not established";
      }
    } else if (state != currentState) {
      return "it needs state "
          + ConnectionState.name(state)
          + " but the connection is in "
          + ConnectionState.name(currentState);
    }
    if (mode != null && mode != currentMode) {
      return "it needs mode " + mode + " but the connection is in mode " + currentMode;
    }
    if (connectionType != null && !connectionType.equals(type)) {
      return "it needs connection type '"
          + connectionType
          + "' but the connection is '"
          + type
          + "'";
    }
    return null;
  }
}
