package io.gamewire.connector.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless address-validation tokens for {@code listServers}: HMAC-SHA256 under a secret of the
 * requester's address, port and a time epoch, cut to 64 bits. A token is good for the epoch it was
 * minted in and the next one, so 30 to 60 seconds. Nothing is stored per requester.
 */
final class ListTokens {
  static final long EPOCH_NANOS = 30_000_000_000L;

  private final Mac mac;
  private final ByteBuffer input = ByteBuffer.allocate(16 + 4 + 8);

  ListTokens(byte[] secret) {
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
    }
  }

  static byte[] randomSecret() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    return secret;
  }

  long mint(InetSocketAddress from, long nowNanos) {
    return token(from, Math.floorDiv(nowNanos, EPOCH_NANOS));
  }

  boolean check(InetSocketAddress from, long token, long nowNanos) {
    long epoch = Math.floorDiv(nowNanos, EPOCH_NANOS);
    return token(from, epoch) == token || token(from, epoch - 1) == token;
  }

  private long token(InetSocketAddress from, long epoch) {
    input.clear();
    input.put(from.getAddress().getAddress()).putInt(from.getPort()).putLong(epoch);
    mac.update(input.array(), 0, input.position());
    return ByteBuffer.wrap(mac.doFinal()).getLong();
  }
}
