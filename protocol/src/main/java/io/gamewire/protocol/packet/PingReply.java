package io.gamewire.protocol.packet;

import java.util.Map;

/**
 * A server's answer to a ping: the round trip the client measured and the server's ping data (its
 * custom keys and the {@code peng3dnet} version map; the echoed request is left out).
 */
public record PingReply(long delayNanos, Map<Object, Object> data) {
  public PingReply {
    data = Map.copyOf(data);
  }

  /** The round trip in milliseconds. */
  public double delayMillis() {
    return delayNanos / 1e6;
  }
}
