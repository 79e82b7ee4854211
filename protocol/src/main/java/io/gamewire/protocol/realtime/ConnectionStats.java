package io.gamewire.protocol.realtime;

/**
 * A snapshot of one connection's health, filled by the connection from its {@link RttEstimator},
 * {@link LossMeter}, {@link CongestionController} and its own counters. Taking one allocates; do it
 * for display or logging, not per packet.
 *
 * @param rttNanos smoothed RTT (RFC 6298 SRTT), 0 before the first sample
 * @param rttVarNanos RTT variation (RFC 6298 RTTVAR)
 * @param minRttNanos smallest RTT sample over the connection
 * @param jitterNanos mean deviation of consecutive RTT samples (RFC 3550 style)
 * @param pygaseLatencySeconds PyGaSe's latency: exponential average of RTT samples, weight 0.1
 * @param packetLossFraction lost / (acked + lost) over the last {@link LossMeter} window of packets
 * @param bytesIn datagram bytes received
 * @param bytesOut datagram bytes sent
 * @param packetsIn datagrams received
 * @param packetsOut datagrams sent
 * @param messagesPending messages queued or in flight and not yet acknowledged
 * @param quality PyGaSe's connection quality
 * @param budgetBytesPerSecond the congestion controller's current send budget
 * @param sendIntervalNanos the current minimum spacing of unprompted packets
 */
public record ConnectionStats(
    long rttNanos,
    long rttVarNanos,
    long minRttNanos,
    long jitterNanos,
    double pygaseLatencySeconds,
    double packetLossFraction,
    long bytesIn,
    long bytesOut,
    long packetsIn,
    long packetsOut,
    int messagesPending,
    CongestionController.Quality quality,
    long budgetBytesPerSecond,
    long sendIntervalNanos) {}
