package io.gamewire.cli.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gamewire bench tcp}: a packet server and client over loopback in this process; prints the
 * round trip (p50, p99, p99.9 in microseconds) and the one-way rate of small messages.
 *
 * <p>The time given by {@code --seconds} is split: 40% ping-pong (the first quarter of it
 * unrecorded), 60% one-way (the first quarter of it untimed). After the sending stops the run waits
 * for the last messages to arrive, so it may overrun by a little.
 */
@Command(
    name = "tcp",
    mixinStandardHelpOptions = true,
    description = {
      "Round-trip latency and one-way throughput of Gamewire's TCP packet connections on"
          + " 127.0.0.1 (server and client in this process, one I/O thread each).",
      "Compare with raw sockets and KryoNet with the bench module's TcpHarness."
    })
public final class TcpBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "How long to run in total (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--size",
      defaultValue = "32",
      description = "Payload bytes per message, 1 to 65536 (default ${DEFAULT-VALUE}).")
  int size;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  /** What one run measured. */
  public record Result(
      int payloadBytes,
      long roundTrips,
      double rttP50Micros,
      double rttP99Micros,
      double rttP999Micros,
      double rttMaxMicros,
      long messages,
      double oneWaySeconds,
      double messagesPerSecond) {

    /** One JSON object with the four headline keys first. */
    public String toJson() {
      return String.format(
          Locale.ROOT,
          "{\"rttP50Micros\": %.3f, \"rttP99Micros\": %.3f, \"rttP999Micros\": %.3f,"
              + " \"messagesPerSecond\": %.1f, \"rttMaxMicros\": %.3f, \"roundTrips\": %d,"
              + " \"messages\": %d, \"oneWaySeconds\": %.6f, \"payloadBytes\": %d}",
          rttP50Micros,
          rttP99Micros,
          rttP999Micros,
          messagesPerSecond,
          rttMaxMicros,
          roundTrips,
          messages,
          oneWaySeconds,
          payloadBytes);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (!(seconds >= 0.5 && seconds <= 3600)) {
      throw new ParameterException(spec.commandLine(), "--seconds must be between 0.5 and 3600");
    }
    if (size < 1 || size > 65536) {
      throw new ParameterException(spec.commandLine(), "--size must be between 1 and 65536");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!json) {
      err.printf(
          Locale.ROOT, "gamewire bench tcp: %d-byte payloads, about %.1f s%n", size, seconds);
      err.flush();
    }
    Result r = run(seconds, size);
    if (json) {
      out.println(r.toJson());
    } else {
      out.printf(
          Locale.ROOT,
          "round trip: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us (%,d round trips)%n",
          r.rttP50Micros(),
          r.rttP99Micros(),
          r.rttP999Micros(),
          r.rttMaxMicros(),
          r.roundTrips());
      out.printf(
          Locale.ROOT,
          "one way:    %,.0f messages/s (%,d messages in %.2f s)%n",
          r.messagesPerSecond(),
          r.messages(),
          r.oneWaySeconds());
    }
    out.flush();
    return 0;
  }

  /** Runs both phases within about {@code seconds}. */
  public static Result run(double seconds, int size) throws Exception {
    long total = (long) (seconds * 1e9);
    long latency = total * 4 / 10;
    long oneWay = total - latency;
    long grace = TimeUnit.SECONDS.toNanos(30);
    try (GamewireTcpBench bench = new GamewireTcpBench()) {
      bench.start();
      long t0 = System.nanoTime();
      bench.pingPong(size, Long.MAX_VALUE, t0 + latency / 4, new Histogram(3));
      Histogram rtt = new Histogram(3);
      bench.pingPong(size, Long.MAX_VALUE, t0 + latency, rtt);

      long t1 = System.nanoTime();
      bench.oneWayFor(size, t1 + oneWay / 4, t1 + oneWay / 4 + grace);
      long t2 = System.nanoTime();
      long sent = bench.oneWayFor(size, t2 + oneWay * 3 / 4, t2 + oneWay + grace);
      double elapsed = (System.nanoTime() - t2) / 1e9;
      return new Result(
          size,
          rtt.getTotalCount(),
          rtt.getValueAtPercentile(50.0) / 1e3,
          rtt.getValueAtPercentile(99.0) / 1e3,
          rtt.getValueAtPercentile(99.9) / 1e3,
          rtt.getMaxValue() / 1e3,
          sent,
          elapsed,
          sent / elapsed);
    }
  }
}
