package io.gamewire.protocol.realtime;

/**
 * Settings of the realtime handshake (docs/PROTOCOL.md section 3), shared by {@link
 * RealtimeServerEndpoint} and {@link RealtimeClientEndpoint}. Both ends must agree on {@code
 * minRequestBytes}: the client pads its requests to it and the server ignores anything shorter.
 *
 * @param minRequestBytes CONNECT_REQUEST and CHALLENGE_RESPONSE are padded to at least this many
 *     bytes (default 1200); every reply the server gives before validation is smaller
 * @param challengeValidityNanos how long a CHALLENGE stays valid (default 5 s)
 * @param resendIntervalNanos how often the client repeats an unanswered request (default 250 ms)
 * @param connectTimeoutNanos how long the client tries before giving up (default 5 s)
 */
public record HandshakeConfig(
    int minRequestBytes,
    long challengeValidityNanos,
    long resendIntervalNanos,
    long connectTimeoutNanos) {

  /**
   * The smallest padding allowed: larger than every pre-validation reply (a CHALLENGE is {@value
   * Handshake#CHALLENGE_BYTES} bytes) and than an unpadded CHALLENGE_RESPONSE.
   */
  public static final int MIN_REQUEST_BYTES_FLOOR = 64;

  public HandshakeConfig {
    if (minRequestBytes < MIN_REQUEST_BYTES_FLOOR || minRequestBytes > 65_507) {
      throw new IllegalArgumentException(
          "invalid handshake config: need minRequestBytes in "
              + MIN_REQUEST_BYTES_FLOOR
              + "..65507, was "
              + minRequestBytes);
    }
    if (challengeValidityNanos <= 0 || resendIntervalNanos <= 0 || connectTimeoutNanos <= 0) {
      throw new IllegalArgumentException(
          "invalid handshake config: need positive challenge validity, resend interval and"
              + " connect timeout");
    }
  }

  public static HandshakeConfig defaults() {
    return new HandshakeConfig(1200, 5_000_000_000L, 250_000_000L, 5_000_000_000L);
  }

  public HandshakeConfig withMinRequestBytes(int v) {
    return new HandshakeConfig(v, challengeValidityNanos, resendIntervalNanos, connectTimeoutNanos);
  }

  public HandshakeConfig withConnectTimeoutNanos(long v) {
    return new HandshakeConfig(minRequestBytes, challengeValidityNanos, resendIntervalNanos, v);
  }
}
