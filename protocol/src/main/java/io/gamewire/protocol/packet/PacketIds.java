package io.gamewire.protocol.packet;

/**
 * The reserved packet ids and names of peng3dnet protocol 2 (docs/PACKET-PROTOCOL.md). Ids below
 * {@link #FIRST_AUTOMATIC} are assigned by hand; the registry numbers other packets from there.
 */
public final class PacketIds {
  public static final int HELLO = 1;
  public static final int SET_TYPE = 2;
  public static final int HANDSHAKE = 3;
  public static final int HANDSHAKE_ACCEPT = 4;
  public static final int CLOSE_CONNECTION = 16;

  /** The first id the registry assigns automatically. */
  public static final int FIRST_AUTOMATIC = 64;

  /** The ping request on a {@code ping} connection (outside the registry). */
  public static final int PING_REQUEST = 64;

  /** The ping reply on a {@code ping} connection (outside the registry). */
  public static final int PING_REPLY = 65;

  public static final String HELLO_NAME = "peng3dnet:internal.hello";
  public static final String SET_TYPE_NAME = "peng3dnet:internal.settype";
  public static final String HANDSHAKE_NAME = "peng3dnet:internal.handshake";
  public static final String HANDSHAKE_ACCEPT_NAME = "peng3dnet:internal.handshake.accept";
  public static final String CLOSE_CONNECTION_NAME = "peng3dnet:internal.closeconn";

  /** The protocol version this implementation speaks. */
  public static final int PROTOCOL_VERSION = 2;

  /** The library version announced to peers; peng3dnet treats it as informative. */
  public static final String PENG3DNET_VERSION = "0.2.0";

  private PacketIds() {}
}
