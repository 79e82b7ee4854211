package io.gamewire.testkit;

import java.nio.charset.StandardCharsets;

/**
 * Hex for golden vectors as the spec writes them: hex digits, spaces ignored, and quoted ASCII
 * ({@code a7 "version"}) taken as its bytes.
 */
public final class Hex {
  private Hex() {}

  public static byte[] parse(String spec) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int i = 0;
    while (i < spec.length()) {
      char c = spec.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '"') {
        int end = spec.indexOf('"', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed quote at " + i);
        }
        out.writeBytes(spec.substring(i + 1, end).getBytes(StandardCharsets.US_ASCII));
        i = end + 1;
      } else {
        if (i + 1 >= spec.length()) {
          throw new IllegalArgumentException("odd hex digit at " + i);
        }
        out.write(Integer.parseInt(spec.substring(i, i + 2), 16));
        i += 2;
      }
    }
    return out.toByteArray();
  }

  public static String format(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return sb.toString();
  }
}
