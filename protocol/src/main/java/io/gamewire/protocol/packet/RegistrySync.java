package io.gamewire.protocol.packet;

/**
 * What a client does with the registry the server sends in the handshake. The close reason for a
 * refused registry is {@code packetregmismatch}, and a log line names every packet that differs.
 */
public enum RegistrySync {
  /** Names and ids must be identical on both sides. The default. */
  STRICT,
  /** The sets of names must be identical; ids are taken from the server (peng3dnet's auto-sync). */
  ADOPT_IDS,
  /**
   * Ids are taken from the server for every name both sides know; the rest is logged, and a packet
   * the server does not know cannot be sent.
   */
  ADOPT_COMMON
}
