package io.gamewire.protocol.realtime;

import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debug lines about dropped datagrams, at most {@link #LINES_PER_SECOND} a second per endpoint: a
 * flood of bad datagrams must not turn into a flood of log lines (each costs more than dropping the
 * datagram). Lines over the limit are counted, and the next line that goes out says how many were
 * suppressed. Time comes in as an argument, like everywhere in the sans-I/O core.
 */
final class DropLog {
  static final int LINES_PER_SECOND = 10;
  private static final long WINDOW_NANOS = 1_000_000_000L;

  private final String endpoint;
  private final Logger log;
  private long windowStart = Long.MIN_VALUE;
  private int linesInWindow;
  private long suppressed;

  DropLog(String endpoint) {
    this(endpoint, LoggerFactory.getLogger(DropLog.class));
  }

  DropLog(String endpoint, Logger log) {
    this.endpoint = endpoint;
    this.log = log;
  }

  /** Logs one dropped datagram if debug is on and the rate allows; cheap when it is not. */
  void dropped(long nowNanos, String why, InetSocketAddress from) {
    if (!log.isDebugEnabled()) {
      return;
    }
    if (windowStart == Long.MIN_VALUE || nowNanos - windowStart >= WINDOW_NANOS) {
      windowStart = nowNanos;
      linesInWindow = 0;
    }
    if (linesInWindow >= LINES_PER_SECOND) {
      suppressed++;
      return;
    }
    linesInWindow++;
    if (suppressed > 0) {
      log.debug(
          "{}: dropped a datagram from {}: {} ({} more drops not logged)",
          endpoint,
          from,
          why,
          suppressed);
      suppressed = 0;
    } else {
      log.debug("{}: dropped a datagram from {}: {}", endpoint, from, why);
    }
  }

  /** Drops not logged since the last line that went out. */
  long suppressed() {
    return suppressed;
  }
}
