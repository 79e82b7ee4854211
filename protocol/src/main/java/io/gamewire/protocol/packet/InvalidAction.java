package io.gamewire.protocol.packet;

/**
 * What a guarded packet does when its conditions do not hold (peng3dnet's {@code invalid_action}).
 */
public enum InvalidAction {
  /** Drop the packet and count it. */
  IGNORE,
  /** Close the connection with {@link CloseReasons#SMART_PACKET_INVALID}. */
  CLOSE
}
