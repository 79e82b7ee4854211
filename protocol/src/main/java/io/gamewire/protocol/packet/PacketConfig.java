package io.gamewire.protocol.packet;

import io.gamewire.protocol.msgpack.MsgpackLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a packet connection. Defaults: frames up to 1 MiB, zlib level 6 for bodies over 8192
 * bytes (peng3dnet's compression), strict registry sync (a client refuses a server whose packet
 * names or ids differ; {@link RegistrySync#ADOPT_IDS} is peng3dnet's own auto-sync), a 10 s
 * handshake timeout and no idle timeout. Validated when built.
 */
public record PacketConfig(
    int maxFrameBytes,
    boolean compressionEnabled,
    int compressionThresholdBytes,
    int compressionLevel,
    RegistrySync registrySync,
    MsgpackLimits limits,
    Duration handshakeTimeout,
    Duration idleTimeout) {

  public static final PacketConfig DEFAULT = builder().build();

  public PacketConfig {
    if (maxFrameBytes < 64) {
      throw new IllegalArgumentException("maxFrameBytes must be at least 64, was " + maxFrameBytes);
    }
    if (compressionThresholdBytes < 0) {
      throw new IllegalArgumentException("compressionThresholdBytes must not be negative");
    }
    if (compressionLevel < 0 || compressionLevel > 9) {
      throw new IllegalArgumentException(
          "compressionLevel must be 0 to 9, was " + compressionLevel);
    }
    Objects.requireNonNull(registrySync, "registrySync");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
      throw new IllegalArgumentException("handshakeTimeout must be positive");
    }
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must not be negative (zero turns it off)");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxFrameBytes(maxFrameBytes)
        .compression(compressionEnabled)
        .compressionThresholdBytes(compressionThresholdBytes)
        .compressionLevel(compressionLevel)
        .registrySync(registrySync)
        .limits(limits)
        .handshakeTimeout(handshakeTimeout)
        .idleTimeout(idleTimeout);
  }

  /** Builds a {@link PacketConfig}; every setter has a safe default. */
  public static final class Builder {
    private int maxFrameBytes = FrameFormat.DEFAULT_MAX_FRAME_BYTES;
    private boolean compressionEnabled = true;
    private int compressionThresholdBytes = FrameFormat.DEFAULT_COMPRESSION_THRESHOLD_BYTES;
    private int compressionLevel = FrameFormat.DEFAULT_COMPRESSION_LEVEL;
    private RegistrySync registrySync = RegistrySync.STRICT;
    private MsgpackLimits limits = MsgpackLimits.DEFAULT;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ZERO;

    private Builder() {}

    /** The largest frame (header and body) accepted or sent. */
    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = bytes;
      return this;
    }

    /** Whether outgoing bodies over the threshold are compressed; incoming ones always inflate. */
    public Builder compression(boolean enabled) {
      this.compressionEnabled = enabled;
      return this;
    }

    public Builder compressionThresholdBytes(int bytes) {
      this.compressionThresholdBytes = bytes;
      return this;
    }

    public Builder compressionLevel(int level) {
      this.compressionLevel = level;
      return this;
    }

    public Builder registrySync(RegistrySync sync) {
      this.registrySync = sync;
      return this;
    }

    /** Caps on decoded MessagePack (string, binary, array and map sizes, nesting depth). */
    public Builder limits(MsgpackLimits limits) {
      this.limits = limits;
      return this;
    }

    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = timeout;
      return this;
    }

    /** Close a connection that receives nothing for this long; zero (the default) never does. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    public PacketConfig build() {
      return new PacketConfig(
          maxFrameBytes,
          compressionEnabled,
          compressionThresholdBytes,
          compressionLevel,
          registrySync,
          limits,
          handshakeTimeout,
          idleTimeout);
    }
  }
}
