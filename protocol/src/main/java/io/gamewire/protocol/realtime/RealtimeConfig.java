package io.gamewire.protocol.realtime;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Settings of one {@link RealtimeConnection}. Both ends must configure the same channels with the
 * same delivery modes: a message whose mode disagrees with the local channel drops its datagram.
 * Build with {@link #builder()}; every setting has a safe default and the record validates itself.
 *
 * @param mtuBytes largest datagram sent, header included (default 1200)
 * @param channels channel id (0..254) to delivery mode
 * @param maxMessageBytes largest message sent or reassembled (default 256 KiB)
 * @param keepaliveIntervalNanos send a KEEPALIVE after this long without sending anything
 * @param timeoutNanos close with {@link RealtimeConnection#REASON_TIMEOUT} after this long without
 *     a valid datagram
 * @param reliableWindow unacknowledged message ids in flight per reliable channel (power of two)
 * @param maxQueuedMessages messages a channel holds (queued or in flight) before {@code send}
 *     refuses more
 * @param unreliableTimeoutNanos a packet unacknowledged this long is lost: its unreliable messages
 *     time out (PyGaSe's package timeout); unreliable messages waiting longer are dropped unsent
 * @param reliableGiveUpNanos a reliable message unacknowledged this long after its first send
 *     closes the connection with {@link RealtimeConnection#REASON_RELIABLE_FAILED}
 * @param maxMessagesPerDatagram records packed into one datagram at most (sizes the ack ledger)
 * @param congestion congestion control; its {@code maxDatagramBytes} must be at least the MTU
 * @param maxAckDelayNanos the longest a received payload waits for a packet to carry its ack
 *     (default 5 ms, at most 100 ms). A sender that sends on a fixed tick (a game server) sets it a
 *     little above the tick so acks ride on its next packet; the wait travels with the ack
 *     (docs/PROTOCOL.md, ack delay) and the peer takes it out of its RTT sample and adds it to its
 *     retransmit timeout
 */
public record RealtimeConfig(
    int mtuBytes,
    Map<Integer, DeliveryMode> channels,
    int maxMessageBytes,
    long keepaliveIntervalNanos,
    long timeoutNanos,
    int reliableWindow,
    int maxQueuedMessages,
    long unreliableTimeoutNanos,
    long reliableGiveUpNanos,
    int maxMessagesPerDatagram,
    CongestionConfig congestion,
    long maxAckDelayNanos) {

  /** Default {@link #maxAckDelayNanos}: 5 ms. */
  public static final long DEFAULT_MAX_ACK_DELAY_NANOS = 5_000_000L;

  /**
   * Largest {@link #maxAckDelayNanos}: 100 ms, within what the ack-delay byte can say (127.5 ms).
   */
  public static final long MAX_ACK_DELAY_NANOS = 100_000_000L;

  public RealtimeConfig {
    Objects.requireNonNull(channels, "channels");
    Objects.requireNonNull(congestion, "congestion");
    require(mtuBytes >= 576 && mtuBytes <= 65_507, "mtuBytes in 576..65507");
    require(!channels.isEmpty(), "at least one channel");
    for (Map.Entry<Integer, DeliveryMode> e : channels.entrySet()) {
      require(
          e.getKey() != null && e.getKey() >= 0 && e.getKey() <= MessageFormat.MAX_CHANNEL,
          "channel ids in 0.." + MessageFormat.MAX_CHANNEL);
      require(e.getValue() != null, "a delivery mode for every channel");
    }
    channels = Map.copyOf(new TreeMap<>(channels));
    require(
        maxMessageBytes >= 1 && maxMessageBytes <= MessageFormat.MAX_LENGTH,
        "maxMessageBytes in 1.." + MessageFormat.MAX_LENGTH);
    require(keepaliveIntervalNanos > 0, "keepaliveIntervalNanos > 0");
    require(timeoutNanos > keepaliveIntervalNanos, "timeoutNanos > keepaliveIntervalNanos");
    require(
        reliableWindow >= 2 && reliableWindow <= 0x8000 && Integer.bitCount(reliableWindow) == 1,
        "reliableWindow a power of two in 2..32768");
    require(maxQueuedMessages >= 1, "maxQueuedMessages >= 1");
    require(unreliableTimeoutNanos > 0, "unreliableTimeoutNanos > 0");
    require(reliableGiveUpNanos > 0, "reliableGiveUpNanos > 0");
    require(
        maxMessagesPerDatagram >= 1 && maxMessagesPerDatagram <= 256,
        "maxMessagesPerDatagram in 1..256");
    require(
        congestion.maxDatagramBytes() >= mtuBytes,
        "congestion.maxDatagramBytes (" + congestion.maxDatagramBytes() + ") >= mtuBytes");
    require(
        maxAckDelayNanos >= 0 && maxAckDelayNanos <= MAX_ACK_DELAY_NANOS,
        "maxAckDelayNanos in 0..100 ms");
    // Throws with a clear message if the MTU leaves too little room per fragment.
    new Fragmenter(maxMessageBytes, Fragmenter.fragmentBytesFor(mtuBytes));
  }

  private static void require(boolean ok, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("invalid realtime config: need " + rule);
    }
  }

  /** This config with another {@link #maxAckDelayNanos}. */
  public RealtimeConfig withMaxAckDelayNanos(long nanos) {
    return new RealtimeConfig(
        mtuBytes,
        channels,
        maxMessageBytes,
        keepaliveIntervalNanos,
        timeoutNanos,
        reliableWindow,
        maxQueuedMessages,
        unreliableTimeoutNanos,
        reliableGiveUpNanos,
        maxMessagesPerDatagram,
        congestion,
        nanos);
  }

  public static RealtimeConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The default channels: 0 reliable-ordered, 1 unreliable, 2 sequenced, 3 reliable-unordered. */
  public static Map<Integer, DeliveryMode> defaultChannels() {
    return Map.of(
        0, DeliveryMode.RELIABLE_ORDERED,
        1, DeliveryMode.UNRELIABLE,
        2, DeliveryMode.UNRELIABLE_SEQUENCED,
        3, DeliveryMode.RELIABLE_UNORDERED);
  }

  /** Mutable builder; every field starts at its default. */
  public static final class Builder {
    private int mtuBytes = Fragmenter.DEFAULT_MTU_BYTES;
    private Map<Integer, DeliveryMode> channels = defaultChannels();
    private int maxMessageBytes = Fragmenter.DEFAULT_MAX_MESSAGE_BYTES;
    private long keepaliveIntervalNanos = 250_000_000L;
    private long timeoutNanos = 5_000_000_000L;
    private int reliableWindow = 1024;
    private int maxQueuedMessages = 4096;
    private long unreliableTimeoutNanos = 1_000_000_000L;
    private long reliableGiveUpNanos = 10_000_000_000L;
    private int maxMessagesPerDatagram = 32;
    private CongestionConfig congestion;
    private long maxAckDelayNanos = DEFAULT_MAX_ACK_DELAY_NANOS;

    private Builder() {}

    public Builder mtuBytes(int v) {
      mtuBytes = v;
      return this;
    }

    public Builder channels(Map<Integer, DeliveryMode> v) {
      channels = v;
      return this;
    }

    public Builder maxMessageBytes(int v) {
      maxMessageBytes = v;
      return this;
    }

    public Builder keepaliveIntervalNanos(long v) {
      keepaliveIntervalNanos = v;
      return this;
    }

    public Builder timeoutNanos(long v) {
      timeoutNanos = v;
      return this;
    }

    public Builder reliableWindow(int v) {
      reliableWindow = v;
      return this;
    }

    public Builder maxQueuedMessages(int v) {
      maxQueuedMessages = v;
      return this;
    }

    public Builder unreliableTimeoutNanos(long v) {
      unreliableTimeoutNanos = v;
      return this;
    }

    public Builder reliableGiveUpNanos(long v) {
      reliableGiveUpNanos = v;
      return this;
    }

    public Builder maxMessagesPerDatagram(int v) {
      maxMessagesPerDatagram = v;
      return this;
    }

    /** Congestion settings; unset, the defaults with {@code maxDatagramBytes} set to the MTU. */
    public Builder congestion(CongestionConfig v) {
      congestion = v;
      return this;
    }

    /** See {@link RealtimeConfig#maxAckDelayNanos}. */
    public Builder maxAckDelayNanos(long v) {
      maxAckDelayNanos = v;
      return this;
    }

    public RealtimeConfig build() {
      CongestionConfig c =
          congestion != null
              ? congestion
              : CongestionConfig.defaults().toBuilder().maxDatagramBytes(mtuBytes).build();
      return new RealtimeConfig(
          mtuBytes,
          channels,
          maxMessageBytes,
          keepaliveIntervalNanos,
          timeoutNanos,
          reliableWindow,
          maxQueuedMessages,
          unreliableTimeoutNanos,
          reliableGiveUpNanos,
          maxMessagesPerDatagram,
          c,
          maxAckDelayNanos);
    }
  }
}
