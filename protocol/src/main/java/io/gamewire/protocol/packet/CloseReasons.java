package io.gamewire.protocol.packet;

/**
 * The reasons a packet connection closes with. The first group is peng3dnet's and travels in the
 * {@code closeconn} packet unchanged; the second group is Gamewire's, for failures peng3dnet did
 * not name. Peers treat reasons as opaque strings.
 */
public final class CloseReasons {
  // peng3dnet's reasons
  public static final String SERVER_SHUTDOWN = "servershutdown";
  public static final String SMART_PACKET_INVALID = "smartpacketinvalid";
  public static final String PROTOCOL_VERSION_MISMATCH = "protoversionmismatch";
  public static final String UNKNOWN_CONNECTION_TYPE = "unknownconntype";
  public static final String REGISTRY_MISMATCH = "packetregmismatch";
  public static final String PING_INVALID_SIDE = "pinginvalidside";
  public static final String PING_COMPLETE = "pingcomplete";
  public static final String INVALID_PING_PACKET = "invalidpingpacket";
  public static final String USER_REQUEST = "userrequest";
  public static final String SOCKET_CLOSE = "socketclose";

  // Gamewire's reasons
  /** A frame's length prefix is above the configured maximum. */
  public static final String FRAME_TOO_LARGE = "frametoolarge";

  /** A frame is shorter than its header or otherwise not a frame. */
  public static final String MALFORMED_FRAME = "malformedframe";

  /** A frame carries the AES flag, which peng3dnet never implemented. */
  public static final String ENCRYPTION_UNSUPPORTED = "encryptionunsupported";

  /** A compressed body is not valid zlib data. */
  public static final String DECOMPRESSION_FAILED = "decompressionfailed";

  /** A compressed body inflates beyond the maximum frame length. */
  public static final String DECOMPRESSED_TOO_LARGE = "decompressedtoolarge";

  /** A body is not valid MessagePack within the limits, or not what its packet expects. */
  public static final String MALFORMED_PACKET = "malformedpacket";

  /** A packet id that the registry does not know. */
  public static final String UNKNOWN_PACKET = "unknownpacket";

  /** The handshake did not finish in time. */
  public static final String HANDSHAKE_TIMEOUT = "handshaketimeout";

  /** The handshake was refused by the client ({@code success} was not true). */
  public static final String HANDSHAKE_REFUSED = "handshakerefused";

  /** Nothing arrived within the idle timeout. */
  public static final String IDLE_TIMEOUT = "idletimeout";

  /** The peer stopped reading and its unsent data went over the write budget. */
  public static final String WRITE_BUDGET_EXCEEDED = "writebudgetexceeded";

  /** The TLS handshake failed or timed out. */
  public static final String TLS_FAILED = "tlsfailed";

  /** An I/O error on the socket. */
  public static final String IO_ERROR = "ioerror";

  /** The peer sent nil as its reason. */
  public static final String UNSPECIFIED = "unspecified";

  private CloseReasons() {}
}
