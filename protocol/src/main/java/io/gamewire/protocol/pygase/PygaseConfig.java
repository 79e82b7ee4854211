package io.gamewire.protocol.pygase;

import io.gamewire.protocol.realtime.CongestionConfig;
import java.util.Objects;

/**
 * Settings of the PyGaSe profile's endpoints; {@link #defaults()} are PyGaSe 0.3.1's constants.
 *
 * @param packageTimeoutNanos a sent package not acknowledged within this is lost and its events'
 *     timeout callbacks run (PyGaSe: 1 s)
 * @param connectionTimeoutNanos a connection that receives no valid package for this long ends
 *     (PyGaSe: 5 s)
 * @param congestion the send rates (40 Hz good, 20 Hz bad), the latency threshold (0.25 s) and the
 *     throttle times (1 s to 60 s, checked every 0.5 s) of PyGaSe's good/bad switch; the byte
 *     budget of {@link io.gamewire.protocol.realtime.CongestionController} is not used here
 * @param maxQueuedEvents events waiting to be sent per connection; more are refused
 * @param maxClients connections a server keeps; packages from further addresses are dropped
 * @param hostMayShutdown whether the host's {@code shutdown} datagram is reported to the server's
 *     listener (PyGaSe: yes); when false it is counted and ignored
 */
public record PygaseConfig(
    long packageTimeoutNanos,
    long connectionTimeoutNanos,
    CongestionConfig congestion,
    int maxQueuedEvents,
    int maxClients,
    boolean hostMayShutdown) {

  private static final long SECOND = 1_000_000_000L;

  private static final PygaseConfig DEFAULTS =
      new PygaseConfig(
          SECOND,
          5 * SECOND,
          CongestionConfig.builder().maxDatagramBytes(PygaseWire.MAX_PACKAGE_BYTES).build(),
          1024,
          64,
          true);

  public PygaseConfig {
    Objects.requireNonNull(congestion, "congestion");
    if (packageTimeoutNanos <= 0 || connectionTimeoutNanos <= 0) {
      throw new IllegalArgumentException("the package and connection timeouts must be positive");
    }
    if (maxQueuedEvents < 1 || maxClients < 1) {
      throw new IllegalArgumentException("maxQueuedEvents and maxClients must be at least 1");
    }
  }

  /** PyGaSe 0.3.1's constants; at most 64 clients and 1024 queued events per connection. */
  public static PygaseConfig defaults() {
    return DEFAULTS;
  }

  public PygaseConfig withTimeouts(long packageTimeoutNanos, long connectionTimeoutNanos) {
    return new PygaseConfig(
        packageTimeoutNanos,
        connectionTimeoutNanos,
        congestion,
        maxQueuedEvents,
        maxClients,
        hostMayShutdown);
  }

  public PygaseConfig withCongestion(CongestionConfig congestion) {
    return new PygaseConfig(
        packageTimeoutNanos,
        connectionTimeoutNanos,
        congestion,
        maxQueuedEvents,
        maxClients,
        hostMayShutdown);
  }

  public PygaseConfig withMaxQueuedEvents(int maxQueuedEvents) {
    return new PygaseConfig(
        packageTimeoutNanos,
        connectionTimeoutNanos,
        congestion,
        maxQueuedEvents,
        maxClients,
        hostMayShutdown);
  }

  public PygaseConfig withMaxClients(int maxClients) {
    return new PygaseConfig(
        packageTimeoutNanos,
        connectionTimeoutNanos,
        congestion,
        maxQueuedEvents,
        maxClients,
        hostMayShutdown);
  }

  public PygaseConfig withHostMayShutdown(boolean hostMayShutdown) {
    return new PygaseConfig(
        packageTimeoutNanos,
        connectionTimeoutNanos,
        congestion,
        maxQueuedEvents,
        maxClients,
        hostMayShutdown);
  }
}
