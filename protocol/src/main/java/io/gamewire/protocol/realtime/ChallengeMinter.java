package io.gamewire.protocol.realtime;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's stateless connect challenge (docs/PROTOCOL.md): a MAC over the client's address,
 * port, a timestamp and the client's nonce under a per-process secret key. The server keeps nothing
 * for a client until the client echoes a challenge that verifies and is fresh, so a flood of
 * spoofed connect requests costs the server no memory. Not thread-safe (one per endpoint).
 */
public final class ChallengeMinter {
  /** Bytes of MAC carried in a challenge. */
  public static final int MAC_BYTES = 16;

  private final Mac mac;
  private final long validityNanos;
  private final byte[] full = new byte[32];
  private final byte[] input = new byte[16 + 2 + 8 + 8];

  /**
   * @param key a random secret of at least 16 bytes, drawn by the transport once per process
   * @param validityNanos how long a challenge stays valid (the spec says 5 s)
   */
  public ChallengeMinter(byte[] key, long validityNanos) {
    if (key.length < 16) {
      throw new IllegalArgumentException("the challenge key needs at least 16 bytes");
    }
    try {
      this.mac = Mac.getInstance("HmacSHA256");
      this.mac.init(new SecretKeySpec(key.clone(), "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
    this.validityNanos = validityNanos;
  }

  /** Writes the MAC for this client, time and nonce into {@code out} at {@code offset}. */
  public void mint(
      InetSocketAddress client, long timestampNanos, long clientNonce, byte[] out, int offset) {
    compute(client, timestampNanos, clientNonce);
    System.arraycopy(full, 0, out, offset, MAC_BYTES);
  }

  /**
   * Whether {@code macBytes} is the MAC this minter would give {@code client} for that time and
   * nonce, and the time is neither in the future nor older than the validity.
   */
  public boolean verify(
      InetSocketAddress client,
      long timestampNanos,
      long clientNonce,
      byte[] macBytes,
      int offset,
      long nowNanos) {
    long age = nowNanos - timestampNanos;
    if (age < 0 || age > validityNanos) {
      return false;
    }
    compute(client, timestampNanos, clientNonce);
    return MessageDigest.isEqual(
        java.util.Arrays.copyOfRange(full, 0, MAC_BYTES),
        java.util.Arrays.copyOfRange(macBytes, offset, offset + MAC_BYTES));
  }

  private void compute(InetSocketAddress client, long timestampNanos, long clientNonce) {
    java.util.Arrays.fill(input, (byte) 0);
    InetAddress a = client.getAddress();
    byte[] addr = a == null ? new byte[0] : a.getAddress();
    System.arraycopy(addr, 0, input, 0, Math.min(addr.length, 16));
    int p = 16;
    input[p++] = (byte) (client.getPort() >>> 8);
    input[p++] = (byte) client.getPort();
    for (int i = 7; i >= 0; i--) {
      input[p++] = (byte) (timestampNanos >>> (8 * i));
    }
    for (int i = 7; i >= 0; i--) {
      input[p++] = (byte) (clientNonce >>> (8 * i));
    }
    mac.update(input);
    try {
      mac.doFinal(full, 0);
    } catch (javax.crypto.ShortBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
