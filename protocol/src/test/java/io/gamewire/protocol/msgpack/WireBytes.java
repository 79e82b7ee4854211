package io.gamewire.protocol.msgpack;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds byte arrays for tests from hex and text pieces, so golden bytes read like a dump. */
final class WireBytes {
  private WireBytes() {}

  /** Each piece is either a String of hex byte pairs ("82 a7") or a byte[]. */
  static byte[] bytes(Object... pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object piece : pieces) {
      if (piece instanceof byte[] raw) {
        out.writeBytes(raw);
      } else {
        String hex = ((String) piece).replace(" ", "");
        for (int i = 0; i < hex.length(); i += 2) {
          out.write(Integer.parseInt(hex.substring(i, i + 2), 16));
        }
      }
    }
    return out.toByteArray();
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] repeat(int b, int count) {
    byte[] out = new byte[count];
    java.util.Arrays.fill(out, (byte) b);
    return out;
  }

  static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(String.format("%02x", b & 0xff));
    }
    return out.toString();
  }
}
