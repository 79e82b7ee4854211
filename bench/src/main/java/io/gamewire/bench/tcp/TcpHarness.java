package io.gamewire.bench.tcp;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Runs every {@link TcpPeer} through the same loopback workload, one peer at a time in this JVM,
 * prints a table and writes {@code tcp-<timestamp>.json} and {@code tcp-latest.json}.
 *
 * <p>Per peer: start; ping-pong (unrecorded warm-up round trips, then recorded ones); an untimed
 * one-way warm-up; a timed one-way run; close. Each phase is bounded by {@code --timeout-seconds},
 * so a stuck peer fails the run instead of hanging it.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.gamewire.bench.tcp.TcpHarness [options]
 * </pre>
 */
public final class TcpHarness {

  /** Builds a peer; {@code maxPayloadBytes} lets peers with fixed buffers size them. */
  @FunctionalInterface
  public interface PeerFactory {
    TcpPeer create(Duration phaseTimeout, int maxPayloadBytes);
  }

  /** Every peer the harness knows, in run order. Add a line here to compare another stack. */
  public static final Map<String, PeerFactory> PEERS = peers();

  private static Map<String, PeerFactory> peers() {
    Map<String, PeerFactory> peers = new LinkedHashMap<>();
    peers.put("raw-nio", (timeout, maxPayload) -> new RawSocketPeer(timeout));
    peers.put("kryonet", KryoNetTcpPeer::new);
    peers.put("gamewire", (timeout, maxPayload) -> new GamewireTcpPeer(timeout));
    return java.util.Collections.unmodifiableMap(peers);
  }

  private static final DateTimeFormatter FILE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private static final String USAGE =
      """
      Usage: TcpHarness [options]
        --peers LIST            comma-separated peers to run (default: all: %s)
        --size BYTES            payload bytes per message (default 32)
        --warmup N              unrecorded ping-pong round trips (default 20000)
        --count N               recorded ping-pong round trips (default 100000)
        --one-way-warmup N      untimed one-way messages before the timed run (default 100000)
        --messages N            timed one-way messages (default 1000000)
        --timeout-seconds S     limit for each phase of each peer (default 120)
        --out DIR               where to write JSON (default: <repo>/bench/results)
        --help                  print this and exit
      """;

  /** What to run. {@code outDir} null means {@code bench/results} under the repository root. */
  public record Options(
      List<String> peers,
      int size,
      int warmup,
      int count,
      int oneWayWarmup,
      int messages,
      Duration phaseTimeout,
      Path outDir) {

    public Options {
      peers = List.copyOf(peers);
      if (peers.isEmpty()) {
        throw new IllegalArgumentException("no peers to run");
      }
      for (String peer : peers) {
        if (!PEERS.containsKey(peer)) {
          throw new IllegalArgumentException(
              "unknown peer '" + peer + "'; known peers: " + String.join(", ", PEERS.keySet()));
        }
      }
      TcpPeer.checkPayloadSize(size);
      requireNonNegative("--warmup", warmup);
      requirePositive("--count", count);
      requireNonNegative("--one-way-warmup", oneWayWarmup);
      requirePositive("--messages", messages);
      if (phaseTimeout.isNegative() || phaseTimeout.isZero()) {
        throw new IllegalArgumentException("--timeout-seconds must be positive");
      }
    }

    public static Options defaults() {
      return new Options(
          List.copyOf(PEERS.keySet()),
          32,
          20_000,
          100_000,
          100_000,
          1_000_000,
          Duration.ofSeconds(120),
          null);
    }

    /** Parses command-line options over {@link #defaults()}. */
    public static Options parse(String... args) {
      Options o = defaults();
      List<String> peers = o.peers;
      int size = o.size;
      int warmup = o.warmup;
      int count = o.count;
      int oneWayWarmup = o.oneWayWarmup;
      int messages = o.messages;
      Duration timeout = o.phaseTimeout;
      Path out = o.outDir;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--help") || flag.equals("-h")) {
          throw new UsageRequested();
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--peers" -> peers = Arrays.asList(value.split(","));
          case "--size" -> size = parseInt(flag, value);
          case "--warmup" -> warmup = parseInt(flag, value);
          case "--count" -> count = parseInt(flag, value);
          case "--one-way-warmup" -> oneWayWarmup = parseInt(flag, value);
          case "--messages" -> messages = parseInt(flag, value);
          case "--timeout-seconds" -> timeout = Duration.ofSeconds(parseInt(flag, value));
          case "--out" -> out = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      }
      return new Options(peers, size, warmup, count, oneWayWarmup, messages, timeout, out);
    }
  }

  /** One peer's figures. Latencies in microseconds, from an HdrHistogram of nanoseconds. */
  public record PeerResult(
      String peer,
      long rttCount,
      double rttP50Micros,
      double rttP99Micros,
      double rttP999Micros,
      double rttMaxMicros,
      double rttMeanMicros,
      long oneWayMessages,
      double oneWaySeconds,
      double messagesPerSecond) {}

  /** A whole run: when, with what, on what, and the figures. */
  public record Report(
      Instant timestamp,
      Options options,
      String javaVersion,
      String javaVm,
      String os,
      int cores,
      List<PeerResult> results) {}

  private TcpHarness() {}

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (UsageRequested e) {
      System.out.print(usage());
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(usage());
      System.exit(2);
      return;
    }
    // KryoNet logs connects and disconnects at INFO on stdout; keep stdout for the table.
    com.esotericsoftware.minlog.Log.set(com.esotericsoftware.minlog.Log.LEVEL_WARN);
    try {
      Report report = run(options, System.err);
      System.out.print(table(report));
      Path outDir = options.outDir() != null ? options.outDir() : defaultOutDir();
      for (Path written : write(report, outDir)) {
        System.out.println("wrote " + written);
      }
    } catch (Exception e) {
      System.err.println("TCP harness failed: " + e);
      e.printStackTrace(System.err);
      System.exit(1);
    }
  }

  /** Runs the selected peers one after another; progress goes to {@code log}. */
  public static Report run(Options options, PrintStream log) throws Exception {
    Instant timestamp = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<PeerResult> results = new ArrayList<>();
    for (String name : options.peers()) {
      results.add(runPeer(PEERS.get(name), options, log));
    }
    return new Report(
        timestamp,
        options,
        System.getProperty("java.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"),
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(),
        List.copyOf(results));
  }

  private static PeerResult runPeer(PeerFactory factory, Options o, PrintStream log)
      throws Exception {
    Histogram rtt = new Histogram(3);
    long oneWayNanos;
    String name;
    try (TcpPeer peer = factory.create(o.phaseTimeout(), o.size())) {
      name = peer.name();
      log.printf(Locale.ROOT, "%s: starting%n", name);
      peer.start();
      log.printf(
          Locale.ROOT,
          "%s: ping-pong %d warm-up + %d recorded round trips of %d bytes%n",
          name,
          o.warmup(),
          o.count(),
          o.size());
      peer.pingPong(o.size(), o.warmup(), o.count(), rtt);
      if (o.oneWayWarmup() > 0) {
        log.printf(Locale.ROOT, "%s: one-way warm-up, %d messages%n", name, o.oneWayWarmup());
        peer.oneWay(o.size(), o.oneWayWarmup());
      }
      log.printf(Locale.ROOT, "%s: one-way, %d messages%n", name, o.messages());
      long startedAt = System.nanoTime();
      peer.oneWay(o.size(), o.messages());
      oneWayNanos = System.nanoTime() - startedAt;
    }
    double seconds = oneWayNanos / 1e9;
    return new PeerResult(
        name,
        rtt.getTotalCount(),
        micros(rtt.getValueAtPercentile(50.0)),
        micros(rtt.getValueAtPercentile(99.0)),
        micros(rtt.getValueAtPercentile(99.9)),
        micros(rtt.getMaxValue()),
        rtt.getMean() / 1e3,
        o.messages(),
        seconds,
        o.messages() / seconds);
  }

  /** The printed summary table. */
  public static String table(Report report) {
    Options o = report.options();
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "TCP loopback, %d-byte payloads, %d round trips (+%d warm-up), %d one-way messages"
                + " (+%d warm-up); Java %s, %d cores%n",
            o.size(),
            o.count(),
            o.warmup(),
            o.messages(),
            o.oneWayWarmup(),
            report.javaVersion(),
            report.cores()));
    String format = "%-10s %10s %10s %10s %10s %14s%n";
    s.append(
        String.format(
            Locale.ROOT,
            format,
            "peer",
            "p50 us",
            "p99 us",
            "p99.9 us",
            "max us",
            "one-way msg/s"));
    for (PeerResult r : report.results()) {
      s.append(
          String.format(
              Locale.ROOT,
              format,
              r.peer(),
              String.format(Locale.ROOT, "%.1f", r.rttP50Micros()),
              String.format(Locale.ROOT, "%.1f", r.rttP99Micros()),
              String.format(Locale.ROOT, "%.1f", r.rttP999Micros()),
              String.format(Locale.ROOT, "%.1f", r.rttMaxMicros()),
              String.format(Locale.ROOT, "%,.0f", r.messagesPerSecond())));
    }
    return s.toString();
  }

  /** The JSON document written for {@code report}. */
  public static String toJson(Report report) {
    Options o = report.options();
    JsonWriter json = new JsonWriter().beginObject();
    json.name("benchmark").value("tcp-loopback");
    json.name("timestamp").value(report.timestamp().toString());
    json.name("javaVersion").value(report.javaVersion());
    json.name("javaVm").value(report.javaVm());
    json.name("os").value(report.os());
    json.name("cores").value(report.cores());
    json.name("parameters").beginObject();
    json.name("payloadBytes").value(o.size());
    json.name("pingPongWarmup").value(o.warmup());
    json.name("pingPongCount").value(o.count());
    json.name("oneWayWarmup").value(o.oneWayWarmup());
    json.name("oneWayMessages").value(o.messages());
    json.name("phaseTimeoutSeconds").value(o.phaseTimeout().toSeconds());
    json.endObject();
    json.name("results").beginArray();
    for (PeerResult r : report.results()) {
      json.beginObject();
      json.name("peer").value(r.peer());
      json.name("rttCount").value(r.rttCount());
      json.name("rttP50Micros").value(r.rttP50Micros(), 3);
      json.name("rttP99Micros").value(r.rttP99Micros(), 3);
      json.name("rttP999Micros").value(r.rttP999Micros(), 3);
      json.name("rttMaxMicros").value(r.rttMaxMicros(), 3);
      json.name("rttMeanMicros").value(r.rttMeanMicros(), 3);
      json.name("oneWayMessages").value(r.oneWayMessages());
      json.name("oneWaySeconds").value(r.oneWaySeconds(), 6);
      json.name("messagesPerSecond").value(r.messagesPerSecond(), 1);
      json.endObject();
    }
    json.endArray();
    return json.endObject().toString();
  }

  /**
   * Writes {@code tcp-<timestamp>.json} and {@code tcp-latest.json} into {@code outDir}, creating
   * it; each file appears whole (written beside it, then moved into place).
   */
  public static List<Path> write(Report report, Path outDir) throws IOException {
    Files.createDirectories(outDir);
    String json = toJson(report);
    Path stamped = outDir.resolve("tcp-" + FILE_STAMP.format(report.timestamp()) + ".json");
    Path latest = outDir.resolve("tcp-latest.json");
    writeWhole(stamped, json);
    writeWhole(latest, json);
    return List.of(stamped, latest);
  }

  /** {@code bench/results} in the nearest directory at or above the working directory. */
  static Path defaultOutDir() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("bench").resolve("pom.xml"))) {
        return d.resolve("bench").resolve("results");
      }
    }
    throw new IllegalStateException(
        "no bench/pom.xml at or above " + dir + "; run from the repository or pass --out DIR");
  }

  private static void writeWhole(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static double micros(long nanos) {
    return nanos / 1e3;
  }

  private static String usage() {
    return String.format(Locale.ROOT, USAGE, String.join(",", PEERS.keySet()));
  }

  private static int parseInt(String flag, String value) {
    try {
      return Integer.parseInt(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a whole number, not '" + value + "'");
    }
  }

  private static void requirePositive(String flag, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(flag + " must be positive, not " + value);
    }
  }

  private static void requireNonNegative(String flag, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(flag + " must not be negative, not " + value);
    }
  }

  /** Thrown by {@link Options#parse} for {@code --help}. */
  static final class UsageRequested extends RuntimeException {
    UsageRequested() {
      super("usage requested", null, false, false);
    }
  }
}
