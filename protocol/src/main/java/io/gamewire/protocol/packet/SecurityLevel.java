package io.gamewire.protocol.packet;

/**
 * How well a connection is protected, ordered from weakest to strongest (peng3dnet's {@code
 * SSLSEC_*} levels). A guarded packet may demand a minimum level before it is sent.
 *
 * <ul>
 *   <li>{@link #NONE}: plain TCP.
 *   <li>{@link #WRAPPED}: wrapped in TLS without usable encryption (kept for peng3dnet parity;
 *       Gamewire never negotiates it).
 *   <li>{@link #ENCRYPTED}: TLS, but this side has not authenticated its peer.
 *   <li>{@link #SERVERAUTH}: TLS, and the client verified the server's certificate and host name.
 *   <li>{@link #BOTHAUTH}: TLS with mutual authentication: both certificates were verified.
 * </ul>
 */
public enum SecurityLevel {
  NONE,
  WRAPPED,
  ENCRYPTED,
  SERVERAUTH,
  BOTHAUTH;

  /** The numeric level peng3dnet uses (0 to 4). */
  public int wireValue() {
    return ordinal();
  }

  /** Whether this level is at least {@code required}. */
  public boolean atLeast(SecurityLevel required) {
    return compareTo(required) >= 0;
  }
}
