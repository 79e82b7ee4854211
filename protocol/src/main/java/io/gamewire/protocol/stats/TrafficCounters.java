package io.gamewire.protocol.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Bytes and packets in and out of one connection. Written by the one thread that runs the
 * connection, read from any thread: the writer publishes with opaque stores, so counting costs no
 * fence and a reader sees each counter move forward, perhaps a moment late.
 */
public final class TrafficCounters {
  private static final VarHandle BYTES_IN;
  private static final VarHandle BYTES_OUT;
  private static final VarHandle PACKETS_IN;
  private static final VarHandle PACKETS_OUT;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      BYTES_IN = l.findVarHandle(TrafficCounters.class, "bytesIn", long.class);
      BYTES_OUT = l.findVarHandle(TrafficCounters.class, "bytesOut", long.class);
      PACKETS_IN = l.findVarHandle(TrafficCounters.class, "packetsIn", long.class);
      PACKETS_OUT = l.findVarHandle(TrafficCounters.class, "packetsOut", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long startNanos;

  @SuppressWarnings("unused")
  private long bytesIn;

  @SuppressWarnings("unused")
  private long bytesOut;

  @SuppressWarnings("unused")
  private long packetsIn;

  @SuppressWarnings("unused")
  private long packetsOut;

  /** Counters that start at {@code startNanos} (for per-minute averages). */
  public TrafficCounters(long startNanos) {
    this.startNanos = startNanos;
  }

  public void addBytesIn(long n) {
    BYTES_IN.setOpaque(this, (long) BYTES_IN.getOpaque(this) + n);
  }

  public void addBytesOut(long n) {
    BYTES_OUT.setOpaque(this, (long) BYTES_OUT.getOpaque(this) + n);
  }

  public void addPacketIn() {
    PACKETS_IN.setOpaque(this, (long) PACKETS_IN.getOpaque(this) + 1);
  }

  public void addPacketsIn(long n) {
    PACKETS_IN.setOpaque(this, (long) PACKETS_IN.getOpaque(this) + n);
  }

  public void addPacketOut() {
    PACKETS_OUT.setOpaque(this, (long) PACKETS_OUT.getOpaque(this) + 1);
  }

  public void addPacketsOut(long n) {
    PACKETS_OUT.setOpaque(this, (long) PACKETS_OUT.getOpaque(this) + n);
  }

  public long bytesIn() {
    return (long) BYTES_IN.getOpaque(this);
  }

  public long bytesOut() {
    return (long) BYTES_OUT.getOpaque(this);
  }

  public long packetsIn() {
    return (long) PACKETS_IN.getOpaque(this);
  }

  public long packetsOut() {
    return (long) PACKETS_OUT.getOpaque(this);
  }

  public long startNanos() {
    return startNanos;
  }

  /** A consistent-enough copy of the counters at {@code nowNanos}. */
  public TrafficSnapshot snapshot(long nowNanos) {
    return new TrafficSnapshot(
        bytesIn(), bytesOut(), packetsIn(), packetsOut(), Math.max(0, nowNanos - startNanos));
  }
}
