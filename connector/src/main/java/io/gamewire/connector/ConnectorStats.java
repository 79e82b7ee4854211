package io.gamewire.connector;

/**
 * A connector's counters since start: datagrams received, malformed (dropped), rate-limited
 * (dropped), dropped because the reply would have been larger than the request with no excess
 * budget left, ignored (valid but not for a connector), sent; bytes in and out; servers registered.
 */
public record ConnectorStats(
    long received,
    long malformed,
    long rateLimited,
    long amplificationDropped,
    long ignored,
    long sent,
    long bytesIn,
    long bytesOut,
    int servers) {}
