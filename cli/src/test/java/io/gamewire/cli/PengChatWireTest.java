package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The chat example against the bytes of peng3dnet's simplechat example (captured on loopback from
 * peng3dnet's code with msgpack-python's pre-1.0 packing). simplechat registers {@code
 * chat:message} before {@code chat:join}, so their ids are 64 and 65.
 */
class PengChatWireTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final int TIMEOUT_MILLIS = 10_000;

  /** peng3dnet's server hello (its version string is informative only). */
  private static final String PENG_HELLO =
      "0000002500000001000082a776657273696f6ea7302e312e306131ac70726f746f76657273696f6e02";

  /**
   * peng3dnet simplechat server's handshake: registry {chat:message 64, chat:join 65, internals}.
   * Note {@code da 0023}: old msgpack-python writes a 35-byte str as str16, not str8.
   */
  private static final String PENG_CHAT_HANDSHAKE =
      "000000e100000003000083a776657273696f6ea7302e312e306131ac70726f746f76657273696f6e02a872656769"
          + "7374727987ac636861743a6d65737361676540a9636861743a6a6f696e41b870656e6733646e65743a696e"
          + "7465726e616c2e68656c6c6f01ba70656e6733646e65743a696e7465726e616c2e7365747479706502bc70"
          + "656e6733646e65743a696e7465726e616c2e68616e647368616b6503da002370656e6733646e65743a696e"
          + "7465726e616c2e68616e647368616b652e61636365707404bc70656e6733646e65743a696e7465726e616c"
          + "2e636c6f7365636f6e6e10";

  private static final String SETTYPE_CLASSIC =
      "0000001800000002000081a8636f6e6e74797065a7636c6173736963";
  private static final String HANDSHAKE_ACCEPT = "0000001000000004000081a773756363657373c3";
  private static final String CLOSE_USERREQUEST =
      "0000001a00000010000081a6726561736f6eab7573657272657175657374";

  @Test
  void chatClientJoinsAPeng3dnetSimplechatServer() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(TIMEOUT_MILLIS);
      LineFeed typed = new LineFeed();
      String addr = "127.0.0.1:" + listener.getLocalPort();
      Cli.Running client =
          Cli.start(typed, "example", "chat-client", addr, "--nick", "bob", "--wait", "0");
      try (Socket s = listener.accept()) {
        s.setSoTimeout(TIMEOUT_MILLIS);
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();

        out.write(HEX.parseHex(PENG_HELLO));
        assertThat(frame(in)).isEqualTo(SETTYPE_CLASSIC);
        out.write(HEX.parseHex(PENG_CHAT_HANDSHAKE));
        // Before the fix the client closed here with packetregmismatch (join was 64, message 65).
        assertThat(frame(in)).isEqualTo(HANDSHAKE_ACCEPT);
        // chat:join {"nickname": "bob"} with simplechat's id 65
        assertThat(frame(in)).isEqualTo("0000001400000041000081a86e69636b6e616d65a3626f62");

        typed.send("hi");
        // chat:message {"message": "hi", "timestamp": <float64>} with simplechat's id 64
        assertThat(frame(in))
            .startsWith("0000002500000040000082a76d657373616765a26869a974696d657374616d70cb");
        typed.end();
        assertThat(frame(in)).isEqualTo(CLOSE_USERREQUEST);
      } finally {
        typed.end();
      }
      assertThat(client.awaitExit()).as(client.err()).isZero();
    }
  }

  @Test
  void chatServerGivesAPeng3dnetClientSimplechatsIds() throws Exception {
    Cli.Running server = Cli.server("chat-server");
    try (Socket s = new Socket()) {
      String[] hostPort = server.address().split(":");
      s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), TIMEOUT_MILLIS);
      s.setSoTimeout(TIMEOUT_MILLIS);
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();

      assertThat(frame(in))
          .isEqualTo(
              "0000002300000001000082a776657273696f6ea5302e322e30ac70726f746f76657273696f6e02");
      out.write(HEX.parseHex(SETTYPE_CLASSIC));
      String handshake = frame(in);
      assertThat(handshake.substring(8, 16)).isEqualTo("00000003");
      assertThat(handshake)
          .contains("ac636861743a6d65737361676540") // "chat:message" 64
          .contains("a9636861743a6a6f696e41"); // "chat:join" 65
      out.write(HEX.parseHex(HANDSHAKE_ACCEPT));
      // peng3dnet's client: chat:join {"nickname": "pyuser"} as id 65
      out.write(HEX.parseHex("0000001700000041000081a86e69636b6e616d65a6707975736572"));
      server.awaitOut(" is pyuser");
      // the server's notice comes back as chat:message, id 64
      assertThat(frame(in).substring(8, 16)).isEqualTo("00000040");
      out.write(HEX.parseHex(CLOSE_USERREQUEST));
      server.awaitOut("left (userrequest)");
    } finally {
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
  }

  /** One whole frame, length prefix included, as hex; the length prefix is not counted. */
  private static String frame(DataInputStream in) throws IOException {
    int length = in.readInt();
    byte[] rest = new byte[length];
    in.readFully(rest);
    return String.format("%08x", length) + HEX.formatHex(rest);
  }
}
