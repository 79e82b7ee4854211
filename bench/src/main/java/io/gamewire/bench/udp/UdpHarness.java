package io.gamewire.bench.udp;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryonet.Client;
import com.esotericsoftware.kryonet.Connection;
import com.esotericsoftware.kryonet.Listener;
import com.esotericsoftware.kryonet.Server;
import io.gamewire.bench.tcp.JsonWriter;
import io.gamewire.bench.tcp.KryoNetTcpPeer;
import io.gamewire.cli.bench.RealtimeBench;
import io.gamewire.protocol.realtime.DeliveryMode;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.transport.IoThreads;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.RealtimeClientListener;
import io.gamewire.transport.RealtimeServer;
import io.gamewire.transport.RealtimeServerListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The realtime (UDP) loopback harness: in one JVM and one run, the same workloads on 127.0.0.1 for
 * Gamewire's realtime transport and its peers, then the ratios the issue sets targets for. Writes
 * {@code udp-<timestamp>.json} and {@code udp-latest.json}.
 *
 * <ol>
 *   <li><b>Round trip</b> (ping-pong, one message in flight): raw blocking {@link DatagramChannel}s
 *       (the floor), KryoNet 2.22.0-RC1 {@code sendUDP}, Gamewire realtime on an unreliable and on
 *       a reliable-ordered channel. KryoNet and Gamewire run their listeners on their I/O threads
 *       and send the next ping from the client's listener, so no application thread is woken.
 *   <li><b>Reliable-ordered throughput</b> of small messages, like for like: a Gamewire one-way
 *       stream ({@link #gamewireOneWay}: one client, counted at the server's listener from the
 *       first send to the last in-order delivery) against KryoNet TCP one-way ({@code sendTCP} per
 *       message, the TCP harness's peer); as a second line, Gamewire as {@code gamewire bench
 *       realtime} runs it (the server echoing every message: twice the work).
 *   <li><b>Server flush</b>: one server sending one datagram to each of 200 clients per tick (a
 *       broadcast of one small unreliable message, the tick on the server's I/O thread), against
 *       the floor of one thread calling {@link DatagramChannel#send} in a loop to 200 addresses,
 *       and Netty's own {@code sendmmsg} path without Gamewire. Every sender's datagrams are read
 *       by one event loop (the clients', or {@link Sinks} of the same kind); datagrams per second
 *       sent and received and every thread's CPU per datagram (bench/README.md, "Server flush").
 * </ol>
 *
 * <p>{@code --only round-trip|throughput|flush|oneway} runs one part ({@code oneway}: Gamewire's
 * one-way stream alone, no peer and no ratio, for profiling).
 *
 * <p>Every wait is bounded by {@code --timeout-seconds}.
 */
public final class UdpHarness {
  private static final DateTimeFormatter FILE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

  /** What to run. */
  public record Options(
      int size,
      int warmup,
      int count,
      int throughputMessages,
      int flushClients,
      double flushSeconds,
      double flushWarmupSeconds,
      Duration timeout,
      Path outDir,
      String only,
      int window) {
    /** The parts {@code --only} may name. */
    static final List<String> PARTS = List.of("round-trip", "throughput", "flush", "oneway");

    boolean runs(String part) {
      return only.equals("all") || only.equals(part);
    }

    static Options parse(String... args) {
      int size = 32;
      int warmup = 20_000;
      int count = 50_000;
      int messages = 1_000_000;
      int clients = 200;
      double flushSeconds = 3;
      double flushWarmup = 15;
      Duration timeout = Duration.ofSeconds(120);
      Path out = null;
      String only = "all";
      int window = 4096;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String v = args[++i];
        switch (flag) {
          case "--size" -> size = Integer.parseInt(v);
          case "--warmup" -> warmup = Integer.parseInt(v);
          case "--count" -> count = Integer.parseInt(v);
          case "--messages" -> messages = Integer.parseInt(v);
          case "--flush-clients" -> clients = Integer.parseInt(v);
          case "--flush-seconds" -> flushSeconds = Double.parseDouble(v);
          case "--flush-warmup-seconds" -> flushWarmup = Double.parseDouble(v);
          case "--timeout-seconds" -> timeout = Duration.ofSeconds(Long.parseLong(v));
          case "--out" -> out = Path.of(v);
          case "--only" -> only = v;
          case "--window" -> window = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      }
      if (size < RealtimeBench.MIN_SIZE || size > 1000) {
        throw new IllegalArgumentException("--size must be between 16 and 1000");
      }
      if (warmup < 0
          || count < 1
          || messages < 1
          || clients < 1
          || flushSeconds <= 0
          || flushWarmup < 0) {
        throw new IllegalArgumentException("counts and times must be positive");
      }
      if (!only.equals("all") && !PARTS.contains(only)) {
        throw new IllegalArgumentException("--only takes one of " + PARTS + ", was " + only);
      }
      if (window < 1 || window > 4096) {
        // The connection's queue holds 4096 messages per channel by default: a larger window
        // would let it refuse one, which the one-way stream counts as a failure.
        throw new IllegalArgumentException("--window must be between 1 and 4096");
      }
      return new Options(
          size,
          warmup,
          count,
          messages,
          clients,
          flushSeconds,
          flushWarmup,
          timeout,
          out,
          only,
          window);
    }
  }

  /** Round-trip figures of one peer, in microseconds. */
  public record Latency(String peer, long count, double p50, double p99, double p999, double max) {
    static Latency of(String peer, Histogram h) {
      return new Latency(
          peer,
          h.getTotalCount(),
          h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(99) / 1e3,
          h.getValueAtPercentile(99.9) / 1e3,
          h.getMaxValue() / 1e3);
    }
  }

  private UdpHarness() {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(
          "Usage: UdpHarness [--size B] [--warmup N] [--count N] [--messages N]"
              + " [--flush-clients N] [--flush-seconds S] [--flush-warmup-seconds S]"
              + " [--timeout-seconds S] [--out DIR]"
              + " [--window N] [--only round-trip|throughput|flush|oneway]");
      System.exit(2);
      return;
    }
    com.esotericsoftware.minlog.Log.set(com.esotericsoftware.minlog.Log.LEVEL_WARN);
    Instant stamp = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    long timeoutNanos = o.timeout().toNanos();
    String load = loadAverage();
    List<Latency> latencies = new ArrayList<>();
    Map<String, double[]> perRoundTrip = new LinkedHashMap<>();
    if (o.runs("round-trip")) {
      System.err.println("round trip: raw DatagramChannel");
      latencies.add(
          Latency.of("raw-udp", rawPingPong(o.size(), o.warmup(), o.count(), timeoutNanos)));
      System.err.println("round trip: KryoNet UDP");
      latencies.add(
          Latency.of("kryonet-udp", kryoPingPong(o.size(), o.warmup(), o.count(), timeoutNanos)));
      for (DeliveryMode m : List.of(DeliveryMode.UNRELIABLE, DeliveryMode.RELIABLE_ORDERED)) {
        System.err.println("round trip: Gamewire " + RealtimeBench.modeName(m));
        long[] datagrams = new long[2];
        Latency l =
            Latency.of(
                "gamewire-" + RealtimeBench.modeName(m),
                gamewirePingPong(m, o.size(), o.warmup(), o.count(), timeoutNanos, datagrams));
        latencies.add(l);
        double trips = o.warmup() + o.count();
        perRoundTrip.put(l.peer(), new double[] {datagrams[0] / trips, datagrams[1] / trips});
      }
    }

    if (o.runs("oneway")) {
      // Gamewire's one-way stream alone (for profiling): no peer, no ratio.
      System.err.println("throughput: Gamewire reliable-ordered one-way (1 client)");
      gamewireOneWay(o.size(), o.throughputMessages() / 5, o.window(), timeoutNanos);
      OneWay alone = gamewireOneWay(o.size(), o.throughputMessages(), o.window(), timeoutNanos);
      System.out.printf(
          Locale.ROOT,
          "one-way %,.0f msg/s, %.0f ns CPU/msg (I/O threads %.0f) (%,d datagrams, %.1f"
              + " msg/datagram, %,d back), load %s%n%s%n",
          alone.messagesPerSecond(),
          alone.cpuNanosPerMessage(),
          alone.ioCpuNanosPerMessage(),
          alone.datagramsSent(),
          alone.messagesPerDatagram(),
          alone.datagramsBack(),
          loadAverage(),
          alone.senderStats());
    }
    double kryoTcp = 0;
    OneWay oneWay = null;
    RealtimeBench.Result gw = null;
    if (o.runs("throughput")) {
      System.err.println("throughput: KryoNet TCP one-way");
      try (KryoNetTcpPeer kryo = new KryoNetTcpPeer(o.timeout())) {
        kryo.start();
        kryo.oneWay(o.size(), o.throughputMessages() / 5);
        long t = System.nanoTime();
        kryo.oneWay(o.size(), o.throughputMessages());
        kryoTcp = o.throughputMessages() / ((System.nanoTime() - t) / 1e9);
      }
      System.err.println("throughput: Gamewire reliable-ordered one-way (1 client)");
      gamewireOneWay(o.size(), o.throughputMessages() / 5, o.window(), timeoutNanos); // warm-up
      oneWay = gamewireOneWay(o.size(), o.throughputMessages(), o.window(), timeoutNanos);
      System.err.println("throughput: Gamewire reliable-ordered echoed (bench realtime, 1 client)");
      RealtimeBench.run(settings(o, o.throughputMessages() / 5)); // warm-up
      gw = RealtimeBench.run(settings(o, o.throughputMessages()));
      if (!gw.problems().isEmpty()) {
        throw new IllegalStateException("Gamewire broke reliable-ordered: " + gw.problems());
      }
    }

    Flush floor = null;
    Flush gwFlush = null;
    Flush netty = null;
    String loadBefore = null;
    String loadAfter = null;
    if (o.runs("flush")) {
      loadBefore = loadAverage();
      System.err.println("server flush: DatagramChannel.send loop to " + o.flushClients());
      floor = sendLoopFloor(o.flushClients(), o.size(), o.flushWarmupSeconds(), o.flushSeconds());
      System.err.println("server flush: Netty datagram channel, one flush per round");
      netty =
          nettyBatchCeiling(
              o.flushClients(), o.size(), o.flushWarmupSeconds(), o.flushSeconds(), timeoutNanos);
      System.err.println("server flush: Gamewire broadcast to " + o.flushClients() + " clients");
      gwFlush =
          gamewireFlush(
              o.flushClients(), o.size(), o.flushWarmupSeconds(), o.flushSeconds(), timeoutNanos);
      loadAfter = loadAverage();
    }

    Map<String, Double> ratios = new LinkedHashMap<>();
    if (!latencies.isEmpty()) {
      Latency raw = latencies.get(0);
      for (Latency l : latencies.subList(1, latencies.size())) {
        ratios.put(l.peer() + " p50 / raw p50", l.p50() / raw.p50());
      }
    }
    if (gw != null) {
      ratios.put(
          "gamewire reliable-ordered one-way msg/s / kryonet tcp one-way msg/s",
          oneWay.messagesPerSecond() / kryoTcp);
      ratios.put(
          "gamewire reliable-ordered echoed msg/s / kryonet tcp one-way msg/s",
          gw.messagesPerSecond() / kryoTcp);
    }
    if (floor != null) {
      ratios.put(
          "netty sendmmsg ceiling datagrams/s / send-loop floor",
          netty.sentPerSecond() / floor.sentPerSecond());
      ratios.put(
          "gamewire server cpu us/datagram / send-loop cpu us/datagram",
          gwFlush.sender().microsPerItem() / floor.sender().microsPerItem());
      ratios.put(
          "gamewire flush datagrams/s / send-loop floor",
          gwFlush.sentPerSecond() / floor.sentPerSecond());
      ratios.put(
          "gamewire flush received/s / send-loop floor received/s",
          gwFlush.receivedPerSecond() / floor.receivedPerSecond());
    }

    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            Locale.ROOT,
            "UDP loopback, %d-byte payloads, Java %s, %d cores, native transport %s, load %s%n",
            o.size(),
            System.getProperty("java.version"),
            Runtime.getRuntime().availableProcessors(),
            IoThreads.isNative(),
            load));
    if (!latencies.isEmpty()) {
      table.append(
          String.format(
              Locale.ROOT,
              "%-30s %9s %9s %9s %9s%n",
              "round trip",
              "p50 us",
              "p99 us",
              "p99.9 us",
              "max us"));
      for (Latency l : latencies) {
        table.append(
            String.format(
                Locale.ROOT,
                "%-30s %9.1f %9.1f %9.1f %9.1f%n",
                l.peer(),
                l.p50(),
                l.p99(),
                l.p999(),
                l.max()));
      }
    }
    for (Map.Entry<String, double[]> e : perRoundTrip.entrySet()) {
      table.append(
          String.format(
              Locale.ROOT,
              "%s datagrams per round trip: client %.3f, server %.3f%n",
              e.getKey(),
              e.getValue()[0],
              e.getValue()[1]));
    }
    if (gw != null) {
      table.append(
          String.format(
              Locale.ROOT,
              "throughput: gamewire reliable-ordered one-way %,.0f msg/s (%.0f ns CPU/msg, I/O"
                  + " threads %.0f, %,d datagrams, %.1f msg/datagram, %,d ack datagrams back),"
                  + " kryonet tcp one-way %,.0f msg/s%n",
              oneWay.messagesPerSecond(),
              oneWay.cpuNanosPerMessage(),
              oneWay.ioCpuNanosPerMessage(),
              oneWay.datagramsSent(),
              oneWay.messagesPerDatagram(),
              oneWay.datagramsBack(),
              kryoTcp));
      table.append(
          String.format(
              Locale.ROOT,
              "throughput: gamewire reliable-ordered echoed %,.0f msg/s (bench realtime, window"
                  + " %d)%n",
              gw.messagesPerSecond(),
              gw.settings().window()));
    }
    if (floor != null) {
      table.append(
          String.format(
              Locale.ROOT,
              "server flush to %d clients: gamewire %,.0f datagrams/s sent, %,.0f received (%,.0f"
                  + " ticks/s); send loop %,.0f sent, %,.0f received; load %s -> %s%n",
              o.flushClients(),
              gwFlush.sentPerSecond(),
              gwFlush.receivedPerSecond(),
              gwFlush.ticksPerSecond(),
              floor.sentPerSecond(),
              floor.receivedPerSecond(),
              loadBefore,
              loadAfter));
      table.append(cpuLine("gamewire server I/O thread", gwFlush.sender(), "sent", o));
      table.append(cpuLine("gamewire clients' I/O thread", gwFlush.receiver(), "received", o));
      table.append(restLine(gwFlush.rest()));
      table.append(
          String.format(
              Locale.ROOT,
              "  netty sendmmsg ceiling: %,.0f datagrams/s sent, %,.0f received%n",
              netty.sentPerSecond(),
              netty.receivedPerSecond()));
      table.append(cpuLine("netty sender I/O thread", netty.sender(), "sent", o));
      table.append(cpuLine("netty sinks' I/O thread", netty.receiver(), "received", o));
      table.append(restLine(netty.rest()));
      table.append(cpuLine("send-loop thread", floor.sender(), "sent", o));
      table.append(cpuLine("send-loop sinks' I/O thread", floor.receiver(), "received", o));
      table.append(restLine(floor.rest()));
    }
    for (Map.Entry<String, Double> e : ratios.entrySet()) {
      table.append(String.format(Locale.ROOT, "ratio %-55s %.2f%n", e.getKey(), e.getValue()));
    }
    System.out.print(table);

    JsonWriter json = new JsonWriter().beginObject();
    json.name("benchmark").value("udp-loopback");
    json.name("timestamp").value(stamp.toString());
    json.name("javaVersion").value(System.getProperty("java.version"));
    json.name("cores").value(Runtime.getRuntime().availableProcessors());
    json.name("nativeTransport").value(IoThreads.isNative());
    json.name("parts").value(o.only());
    json.name("loadAverage").value(load);
    json.name("parameters").beginObject();
    json.name("payloadBytes").value(o.size());
    json.name("pingPongWarmup").value(o.warmup());
    json.name("pingPongCount").value(o.count());
    json.name("throughputMessages").value(o.throughputMessages());
    json.name("flushClients").value(o.flushClients());
    json.name("flushSeconds").value(o.flushSeconds(), 3);
    json.name("flushWarmupSeconds").value(o.flushWarmupSeconds(), 3);
    json.name("oneWayWindow").value(o.window());
    json.endObject();
    if (!latencies.isEmpty()) {
      json.name("roundTrip").beginArray();
      for (Latency l : latencies) {
        json.beginObject();
        json.name("peer").value(l.peer());
        json.name("rttCount").value(l.count());
        json.name("rttP50Micros").value(l.p50(), 3);
        json.name("rttP99Micros").value(l.p99(), 3);
        json.name("rttP999Micros").value(l.p999(), 3);
        json.name("rttMaxMicros").value(l.max(), 3);
        double[] d = perRoundTrip.get(l.peer());
        if (d != null) {
          json.name("clientDatagramsPerRoundTrip").value(d[0], 3);
          json.name("serverDatagramsPerRoundTrip").value(d[1], 3);
        }
        json.endObject();
      }
      json.endArray();
    }
    if (gw != null) {
      json.name("throughput").beginObject();
      json.name("gamewireReliableOrderedOneWayMessagesPerSecond")
          .value(oneWay.messagesPerSecond(), 1);
      json.name("gamewireOneWayProcessCpuNanosPerMessage").value(oneWay.cpuNanosPerMessage(), 1);
      json.name("gamewireOneWayIoThreadCpuNanosPerMessage").value(oneWay.ioCpuNanosPerMessage(), 1);
      json.name("gamewireOneWayDatagramsSent").value(oneWay.datagramsSent());
      json.name("gamewireOneWayMessagesPerDatagram").value(oneWay.messagesPerDatagram(), 2);
      json.name("gamewireOneWayDatagramsBack").value(oneWay.datagramsBack());
      json.name("gamewireReliableOrderedMessagesPerSecond").value(gw.messagesPerSecond(), 1);
      json.name("gamewireReliableOrderedRttP50Micros").value(gw.rttP50Micros(), 3);
      json.name("gamewireWindow").value(gw.settings().window());
      json.name("kryonetTcpMessagesPerSecond").value(kryoTcp, 1);
      json.endObject();
    }
    if (floor != null) {
      json.name("serverFlush").beginObject();
      json.name("clients").value(o.flushClients());
      json.name("loadAverageBefore").value(loadBefore);
      json.name("loadAverageAfter").value(loadAfter);
      json.name("gamewireDatagramsPerSecond").value(gwFlush.sentPerSecond(), 1);
      json.name("gamewireTicksPerSecond").value(gwFlush.ticksPerSecond(), 1);
      json.name("gamewireReceivedDatagramsPerSecond").value(gwFlush.receivedPerSecond(), 1);
      json.name("sendLoopDatagramsPerSecond").value(floor.sentPerSecond(), 1);
      json.name("sendLoopReceivedDatagramsPerSecond").value(floor.receivedPerSecond(), 1);
      cpuJson(json, "gamewireServerCpu", gwFlush.sender(), o);
      cpuJson(json, "gamewireClientsCpu", gwFlush.receiver(), o);
      cpuJson(json, "gamewireRestOfProcessCpu", gwFlush.rest(), o);
      json.name("nettyCeilingDatagramsPerSecond").value(netty.sentPerSecond(), 1);
      json.name("nettyCeilingReceivedDatagramsPerSecond").value(netty.receivedPerSecond(), 1);
      cpuJson(json, "nettyCeilingCpu", netty.sender(), o);
      cpuJson(json, "nettyCeilingSinksCpu", netty.receiver(), o);
      cpuJson(json, "nettyCeilingRestOfProcessCpu", netty.rest(), o);
      cpuJson(json, "sendLoopCpu", floor.sender(), o);
      cpuJson(json, "sendLoopSinksCpu", floor.receiver(), o);
      cpuJson(json, "sendLoopRestOfProcessCpu", floor.rest(), o);
      json.endObject();
    }
    json.name("ratios").beginObject();
    for (Map.Entry<String, Double> e : ratios.entrySet()) {
      json.name(e.getKey()).value(e.getValue(), 3);
    }
    json.endObject();
    String text = json.endObject().toString();
    Path dir = o.outDir() != null ? o.outDir() : defaultOutDir();
    Files.createDirectories(dir);
    // A partial run (--only) is named after its part and leaves udp-latest.json alone.
    String prefix = o.only().equals("all") ? "udp-" : "udp-" + o.only() + "-";
    Path stamped = dir.resolve(prefix + FILE_STAMP.format(stamp) + ".json");
    writeWhole(stamped, text);
    writeWhole(dir.resolve(prefix + "latest.json"), text);
    System.out.println("wrote " + stamped);
  }

  private static String cpuLine(String who, ThreadCpu.Usage u, String what, Options o) {
    return String.format(
        Locale.ROOT,
        "  %-30s cpu %5.0f ms/s user + %5.0f ms/s system = %6.2f us per datagram %s%n",
        who,
        u.userMillisPerSecond(),
        u.systemMillisPerSecond(),
        u.microsPerItem(),
        what);
  }

  private static String restLine(ThreadCpu.Usage u) {
    return String.format(
        Locale.ROOT,
        "  %-30s cpu %5.0f ms/s user + %5.0f ms/s system%n",
        "rest of the process (JIT, GC)",
        u.userMillisPerSecond(),
        u.systemMillisPerSecond());
  }

  private static void cpuJson(JsonWriter json, String name, ThreadCpu.Usage u, Options o) {
    json.name(name).beginObject();
    json.name("userMillisPerSecond").value(u.userMillisPerSecond(), 1);
    json.name("systemMillisPerSecond").value(u.systemMillisPerSecond(), 1);
    json.name("microsPerDatagram").value(u.microsPerItem(), 3);
    json.endObject();
  }

  private static RealtimeBench.Settings settings(Options o, long messages) {
    return new RealtimeBench.Settings(
        1, messages, o.size(), 0, 0, DeliveryMode.RELIABLE_ORDERED, o.timeout().toSeconds(), 1024);
  }

  // ---------------------------------------------------------------- round trip

  /** Blocking DatagramChannels: an echo thread and the calling thread. */
  static Histogram rawPingPong(int size, int warmup, int count, long timeoutNanos)
      throws Exception {
    Histogram h = new Histogram(3);
    try (DatagramChannel server = DatagramChannel.open();
        DatagramChannel client = DatagramChannel.open()) {
      server.bind(ANY_LOOPBACK);
      client.bind(ANY_LOOPBACK);
      client.connect(server.getLocalAddress());
      server.connect(client.getLocalAddress());
      Thread echo =
          new Thread(
              () -> {
                ByteBuffer b = ByteBuffer.allocateDirect(2048);
                try {
                  while (true) {
                    b.clear();
                    server.read(b);
                    b.flip();
                    server.write(b);
                  }
                } catch (IOException closed) {
                  // the harness closed the socket: done
                }
              },
              "raw-udp-echo");
      echo.setDaemon(true);
      echo.start();
      client.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutNanos / 1_000_000));
      ByteBuffer out = ByteBuffer.allocateDirect(size);
      ByteBuffer in = ByteBuffer.allocateDirect(2048);
      long deadline = System.nanoTime() + timeoutNanos;
      for (int i = 0; i < warmup + count; i++) {
        out.clear();
        long t = System.nanoTime();
        client.write(out);
        in.clear();
        client.read(in); // blocking; loopback does not drop at one datagram in flight
        long rtt = System.nanoTime() - t;
        if (i >= warmup) {
          h.recordValue(rtt);
        }
        if ((i & 1023) == 0 && System.nanoTime() > deadline) {
          throw new TimeoutException("raw ping-pong took longer than the limit");
        }
      }
      server.close();
      echo.join(5_000);
    }
    return h;
  }

  /** The KryoNet message: public with a no-arg constructor for Kryo. */
  public static final class Ping {
    public byte[] payload;

    public Ping() {}
  }

  /** KryoNet {@code sendUDP}; the next ping goes out from the client's update thread. */
  static Histogram kryoPingPong(int size, int warmup, int count, long timeoutNanos)
      throws Exception {
    Histogram h = new Histogram(3);
    Server server = new Server();
    Client client = new Client();
    for (Kryo k : List.of(server.getKryo(), client.getKryo())) {
      k.register(byte[].class);
      k.register(Ping.class);
    }
    CountDownLatch done = new CountDownLatch(1);
    try {
      server.addListener(
          new Listener() {
            @Override
            public void received(Connection c, Object m) {
              if (m instanceof Ping) {
                c.sendUDP(m);
              }
            }
          });
      server.bind(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0));
      server.start();
      int tcpPort = portOf(server, "serverChannel");
      int udpPort = udpPortOf(server);
      Ping ping = new Ping();
      ping.payload = new byte[size];
      long[] sentAt = new long[1];
      int[] left = {warmup + count};
      client.addListener(
          new Listener() {
            @Override
            public void received(Connection c, Object m) {
              if (!(m instanceof Ping)) {
                return;
              }
              long rtt = System.nanoTime() - sentAt[0];
              if (left[0] <= count) {
                h.recordValue(rtt);
              }
              if (--left[0] == 0) {
                done.countDown();
                return;
              }
              sentAt[0] = System.nanoTime();
              c.sendUDP(ping);
            }
          });
      client.start();
      client.connect((int) TimeUnit.SECONDS.toMillis(10), "127.0.0.1", tcpPort, udpPort);
      // The first ping from this thread; the rest from the update thread's listener.
      synchronizedFirstSend(client, ping, sentAt);
      if (!done.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
        throw new TimeoutException(
            "KryoNet UDP ping-pong stalled with "
                + left[0]
                + " round trips left (a lost datagram?)");
      }
    } finally {
      client.stop();
      server.stop();
    }
    return h;
  }

  private static void synchronizedFirstSend(Client client, Ping ping, long[] sentAt) {
    sentAt[0] = System.nanoTime();
    client.sendUDP(ping);
  }

  private static int portOf(Server server, String field) throws Exception {
    // KryoNet 2.22 has no getter for the bound port.
    java.lang.reflect.Field f = Server.class.getDeclaredField(field);
    f.setAccessible(true);
    java.nio.channels.NetworkChannel ch = (java.nio.channels.NetworkChannel) f.get(server);
    return ((InetSocketAddress) ch.getLocalAddress()).getPort();
  }

  private static int udpPortOf(Server server) throws Exception {
    // KryoNet 2.22 has no getter for the UDP port; its UdpConnection holds the bound channel.
    java.lang.reflect.Field f = Server.class.getDeclaredField("udp");
    f.setAccessible(true);
    Object udp = f.get(server);
    java.lang.reflect.Field ch = udp.getClass().getDeclaredField("datagramChannel");
    ch.setAccessible(true);
    DatagramChannel dc = (DatagramChannel) ch.get(udp);
    return ((InetSocketAddress) dc.getLocalAddress()).getPort();
  }

  /** Gamewire realtime; listeners on the I/O threads, the next ping sent from the client's. */
  static Histogram gamewirePingPong(
      DeliveryMode mode, int size, int warmup, int count, long timeoutNanos) throws Exception {
    return gamewirePingPong(mode, size, warmup, count, timeoutNanos, null);
  }

  /**
   * As above; if {@code datagrams} is not null, its first two elements get the datagrams the client
   * and the server sent over the whole run (handshake included), for a count per round trip.
   */
  static Histogram gamewirePingPong(
      DeliveryMode mode, int size, int warmup, int count, long timeoutNanos, long[] datagrams)
      throws Exception {
    Histogram h = new Histogram(3);
    RealtimeConfig config = RealtimeConfig.builder().channels(Map.of(0, mode)).build();
    RealtimeServer[] srv = new RealtimeServer[1];
    CountDownLatch done = new CountDownLatch(1);
    byte[] payload = new byte[size];
    long[] sentAt = new long[1];
    int[] left = {warmup + count};
    RealtimeClient[] cl = new RealtimeClient[1];
    List<Integer> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (RealtimeServer server =
        ioThreadServer(
                config,
                ids,
                (clientId, channel, message) -> srv[0].send(clientId, channel, message))
            .build()) {
      srv[0] = server;
      server.start();
      try (RealtimeClient client =
          RealtimeClient.builder(server.localAddress())
              .config(config)
              .listenersOnIoThread()
              .listener(
                  new RealtimeClientListener() {
                    @Override
                    public void onMessage(int channel, byte[] message) {
                      long rtt = System.nanoTime() - sentAt[0];
                      if (left[0] <= count) {
                        h.recordValue(rtt);
                      }
                      if (--left[0] == 0) {
                        done.countDown();
                        return;
                      }
                      sentAt[0] = System.nanoTime();
                      cl[0].send(0, payload);
                    }
                  })
              .build()) {
        cl[0] = client;
        client.connect();
        // Written before the hand-off to the I/O thread, read there after it.
        sentAt[0] = System.nanoTime();
        client.send(0, payload);
        if (!done.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
          throw new TimeoutException(
              "Gamewire "
                  + RealtimeBench.modeName(mode)
                  + " ping-pong stalled with "
                  + left[0]
                  + " round trips left (a lost datagram?)");
        }
        if (datagrams != null) {
          datagrams[0] = client.stats().packetsOut();
          datagrams[1] = 0;
          for (int id : ids) {
            datagrams[1] += server.stats(id).packetsOut();
          }
        }
      }
    }
    return h;
  }

  // ---------------------------------------------------------------- one-way throughput

  /**
   * A one-way reliable-ordered stream: {@code messages} counted at the server's listener, timed
   * from the first send to the last in-order delivery; {@code datagramsSent} is the client's
   * packetsOut over the run and {@code datagramsBack} the server's (acks only: the server sends no
   * messages).
   */
  public record OneWay(
      long messages,
      double seconds,
      long datagramsSent,
      long datagramsBack,
      double cpuNanosPerMessage,
      double ioCpuNanosPerMessage,
      io.gamewire.protocol.realtime.ConnectionStats senderStats) {
    double messagesPerSecond() {
      return messages / seconds;
    }

    double messagesPerDatagram() {
      return datagramsSent == 0 ? 0 : (double) messages / datagramsSent;
    }
  }

  /**
   * One client streaming {@code messages} reliable-ordered messages to a server that only counts
   * them (each carries its number; the server checks they arrive once and in order). The sending
   * thread keeps at most {@code window} messages whose fate is unknown (acknowledged or timed out,
   * from the message callbacks, which run on the client's I/O thread), so the connection's queue
   * (4096 per channel by default) never refuses one; a full hand-off queue ({@code send} returning
   * false) makes it yield and retry. Listeners run on the I/O threads, as in the round trip.
   */
  static OneWay gamewireOneWay(int size, long messages, int window, long timeoutNanos)
      throws Exception {
    RealtimeConfig config =
        RealtimeConfig.builder().channels(Map.of(0, DeliveryMode.RELIABLE_ORDERED)).build();
    CountDownLatch done = new CountDownLatch(1);
    long[] next = {0}; // server I/O thread only
    long[] lastDelivery = {0};
    AtomicLong wrong = new AtomicLong();
    List<Integer> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (RealtimeServer server =
        ioThreadServer(
                config,
                ids,
                (clientId, channel, message) -> {
                  long seq = ByteBuffer.wrap(message).getLong(0);
                  if (seq != next[0]) {
                    wrong.incrementAndGet();
                  }
                  next[0] = seq + 1;
                  if (next[0] == messages) {
                    lastDelivery[0] = System.nanoTime();
                    done.countDown();
                  }
                })
            .build()) {
      server.start();
      AtomicInteger unknown = new AtomicInteger();
      AtomicLong timedOut = new AtomicLong();
      RealtimeConnection.MessageCallbacks fate =
          new RealtimeConnection.MessageCallbacks() {
            @Override
            public void onAcked() {
              unknown.decrementAndGet();
            }

            @Override
            public void onTimedOut() {
              timedOut.incrementAndGet();
              unknown.decrementAndGet();
            }
          };
      try (RealtimeClient client =
          RealtimeClient.builder(server.localAddress())
              .config(config)
              .listenersOnIoThread()
              .build()) {
        client.connect();
        long deadline = System.nanoTime() + timeoutNanos;
        while (ids.isEmpty()) {
          if (System.nanoTime() > deadline) {
            throw new TimeoutException("the server never reported the client connected");
          }
          Thread.yield();
        }
        int id = ids.get(0);
        long clientOutBefore = client.stats().packetsOut();
        long serverOutBefore = server.stats(id).packetsOut();
        byte[] payload = new byte[size];
        ByteBuffer header = ByteBuffer.wrap(payload);
        long cpu0 = processCpuNanos();
        long io0 = ioThreadCpuNanos();
        long t0 = System.nanoTime();
        for (long i = 0; i < messages; ) {
          if (unknown.get() >= window) {
            // As KryoNetTcpPeer does when its write buffer is full: a spinning sender would take
            // the core the I/O threads need (three busy threads share two cores).
            Thread.yield();
          } else {
            header.putLong(0, i);
            unknown.incrementAndGet();
            if (client.send(0, payload, fate)) {
              i++;
              continue;
            }
            unknown.decrementAndGet();
            Thread.yield(); // the hand-off queue is full
          }
          if ((i & 255) == 0 && System.nanoTime() > deadline) {
            throw new TimeoutException("one-way stream: sender stuck after " + i + " messages");
          }
        }
        if (!done.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw new TimeoutException(
              "one-way stream: " + next[0] + " of " + messages + " delivered in time");
        }
        if (wrong.get() > 0 || timedOut.get() > 0) {
          throw new IllegalStateException(
              "one-way stream broke reliable-ordered: "
                  + wrong.get()
                  + " out of order, "
                  + timedOut.get()
                  + " timed out");
        }
        double seconds = (lastDelivery[0] - t0) / 1e9;
        double cpuPerMessage = (processCpuNanos() - cpu0) / (double) messages;
        double ioPerMessage = (ioThreadCpuNanos() - io0) / (double) messages;
        var st = client.stats();
        return new OneWay(
            messages,
            seconds,
            st.packetsOut() - clientOutBefore,
            server.stats(id).packetsOut() - serverOutBefore,
            cpuPerMessage,
            ioPerMessage,
            st);
      }
    }
  }

  /** CPU time of this process (every thread), or 0 if the JVM cannot tell. */
  static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? Math.max(0, sun.getProcessCpuTime())
        : 0;
  }

  /**
   * CPU time of Gamewire's I/O threads (client and server), which unlike the process's excludes the
   * sending thread's yielding while it waits for its window.
   */
  static long ioThreadCpuNanos() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("gamewire-realtime-")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  // ---------------------------------------------------------------- server flush

  /**
   * One side of the flush comparison over the measured window: datagrams per second the sender
   * handed to the kernel, datagrams (or, for Gamewire, one-message datagrams) per second its
   * receivers read, and for Gamewire ticks per second (broadcasts; 0 for the floor).
   */
  public record Flush(
      double sentPerSecond,
      double receivedPerSecond,
      double ticksPerSecond,
      ThreadCpu.Usage sender,
      ThreadCpu.Usage receiver,
      ThreadCpu.Usage rest) {}

  /**
   * The receive side both flush runs pay for: {@code count} unconnected datagram channels on one
   * I/O thread, bound to 127.0.0.1, with the receive settings a {@link RealtimeClient} has by
   * default (kernel-default SO_RCVBUF, one MTU-plus-64-byte buffer per datagram, at most 16
   * datagrams per read batch). Each channel counts what it reads and releases it.
   */
  static final class Sinks implements AutoCloseable {
    final AtomicLong received = new AtomicLong();
    final InetSocketAddress[] addresses;
    private final List<io.netty.channel.Channel> channels = new ArrayList<>();

    Sinks(IoThreads threads, int count) throws InterruptedException {
      RealtimeConfig config = RealtimeConfig.defaults();
      int receiveBytes =
          Math.max(
                  config.mtuBytes(),
                  io.gamewire.protocol.realtime.HandshakeConfig.defaults().minRequestBytes())
              + 64;
      io.netty.bootstrap.Bootstrap b =
          new io.netty.bootstrap.Bootstrap()
              .group(threads.group())
              .channel(io.gamewire.transport.internal.EventLoops.datagramChannel())
              .option(
                  io.netty.channel.ChannelOption.ALLOCATOR,
                  io.netty.buffer.PooledByteBufAllocator.DEFAULT)
              .option(
                  io.netty.channel.ChannelOption.RCVBUF_ALLOCATOR,
                  io.gamewire.transport.internal.DatagramDriver.receiveAllocator(receiveBytes, 16))
              .handler(
                  new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object m) {
                      received.incrementAndGet();
                      io.netty.util.ReferenceCountUtil.release(m);
                    }

                    @Override
                    public boolean isSharable() {
                      return true;
                    }
                  });
      addresses = new InetSocketAddress[count];
      try {
        for (int i = 0; i < count; i++) {
          io.netty.channel.Channel ch = b.bind(ANY_LOOPBACK).sync().channel();
          channels.add(ch);
          addresses[i] = (InetSocketAddress) ch.localAddress();
        }
      } catch (InterruptedException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void close() {
      for (io.netty.channel.Channel ch : channels) {
        ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The floor: one thread calling {@link DatagramChannel#send} (one {@code sendto} per datagram) in
   * a loop, round-robin to {@code clients} {@link Sinks} read by one I/O thread, as Gamewire's
   * clients are. An untimed quarter of {@code seconds} first.
   */
  static Flush sendLoopFloor(int clients, int size, double warmupSeconds, double seconds)
      throws Exception {
    try (IoThreads sinkThreads = IoThreads.create(1, "floor-sinks");
        Sinks sinks = new Sinks(sinkThreads, clients);
        DatagramChannel sender = DatagramChannel.open()) {
      sender.bind(ANY_LOOPBACK);
      InetSocketAddress[] to = sinks.addresses;
      // The datagram a Gamewire server sends for one small message: header, record, payload.
      ByteBuffer b = ByteBuffer.allocateDirect(size + 24);
      CompletableFuture<Flush> result = new CompletableFuture<>();
      // A thread of its own, so that its CPU time can be told apart (ThreadCpu).
      Thread t =
          new Thread(
              () -> {
                try {
                  sendLoop(sender, b, to, System.nanoTime() + (long) (warmupSeconds * 1e9));
                  ThreadCpu sink = ThreadCpu.of("floor-sinks");
                  ThreadCpu self = ThreadCpu.of("floor-sender");
                  ThreadCpu all = ThreadCpu.of("");
                  long receivedBefore = sinks.received.get();
                  long start = System.nanoTime();
                  long n = sendLoop(sender, b, to, start + (long) (seconds * 1e9));
                  long elapsed = System.nanoTime() - start;
                  long got = sinks.received.get() - receivedBefore;
                  double s = elapsed / 1e9;
                  ThreadCpu.Usage a = all.since(elapsed, 0);
                  ThreadCpu.Usage me = self.since(elapsed, n);
                  ThreadCpu.Usage them = sink.since(elapsed, got);
                  result.complete(new Flush(n / s, got / s, 0, me, them, a.minus(me, them)));
                } catch (Throwable e) {
                  result.completeExceptionally(e);
                }
              },
              "floor-sender");
      t.start();
      return result.get((long) ((warmupSeconds + seconds) * 4 + 60), TimeUnit.SECONDS);
    }
  }

  /**
   * What Netty's batching alone gives, without Gamewire: on a Netty datagram channel of its own
   * one-thread I/O loop (epoll where available), a task writes one pooled direct datagram per sink
   * (a {@code DatagramPacket} each, as the server's driver writes) and flushes once, so epoll sends
   * them in one {@code sendmmsg}; then the next round. Same sinks and windows as {@link
   * #sendLoopFloor}: the ceiling for any server built on Netty's datagram channel here.
   */
  static Flush nettyBatchCeiling(
      int clients, int size, double warmupSeconds, double seconds, long timeoutNanos)
      throws Exception {
    try (IoThreads sinkThreads = IoThreads.create(1, "floor-sinks");
        Sinks sinks = new Sinks(sinkThreads, clients);
        IoThreads senderThreads = IoThreads.create(1, "netty-sender")) {
      io.netty.channel.Channel ch =
          new io.netty.bootstrap.Bootstrap()
              .group(senderThreads.group())
              .channel(io.gamewire.transport.internal.EventLoops.datagramChannel())
              .option(
                  io.netty.channel.ChannelOption.ALLOCATOR,
                  io.netty.buffer.PooledByteBufAllocator.DEFAULT)
              .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
              .bind(ANY_LOOPBACK)
              .sync()
              .channel();
      try {
        io.netty.channel.EventLoop loop = ch.eventLoop();
        InetSocketAddress[] to = sinks.addresses;
        int bytes = size + 24;
        long[] sent = new long[1];
        Runnable round =
            () -> {
              for (InetSocketAddress a : to) {
                io.netty.buffer.ByteBuf d = ch.alloc().directBuffer(bytes, bytes);
                d.writerIndex(bytes);
                ch.write(new io.netty.channel.socket.DatagramPacket(d, a), ch.voidPromise());
              }
              ch.flush();
              sent[0] += to.length;
            };
        new Rounds(loop, round, System.nanoTime() + (long) (warmupSeconds * 1e9))
            .done.get(timeoutNanos, TimeUnit.NANOSECONDS);
        ThreadCpu sink = ThreadCpu.of("floor-sinks");
        ThreadCpu self = ThreadCpu.of("netty-sender");
        ThreadCpu all = ThreadCpu.of("");
        long sentBefore = loop.submit(() -> sent[0]).get(timeoutNanos, TimeUnit.NANOSECONDS);
        long receivedBefore = sinks.received.get();
        long start = System.nanoTime();
        new Rounds(loop, round, start + (long) (seconds * 1e9))
            .done.get(timeoutNanos, TimeUnit.NANOSECONDS);
        long elapsed = System.nanoTime() - start;
        long got = sinks.received.get() - receivedBefore;
        long n = loop.submit(() -> sent[0]).get(timeoutNanos, TimeUnit.NANOSECONDS) - sentBefore;
        double s = elapsed / 1e9;
        ThreadCpu.Usage a = all.since(elapsed, 0);
        ThreadCpu.Usage me = self.since(elapsed, n);
        ThreadCpu.Usage them = sink.since(elapsed, got);
        return new Flush(n / s, got / s, 0, me, them, a.minus(me, them));
      } finally {
        ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Runs {@code round} on {@code loop} again and again until a time, one round per turn of the
   * loop: each round runs after the loop's tasks of that turn ({@code
   * executeAfterEventLoopIteration}), so every round is followed by one poll of the loop's sockets
   * (the server reads its clients' acks) and by the tasks the round queued (the server's flush),
   * and the loop never sleeps while rounds remain. Re-queuing with {@code execute} instead keeps
   * the task queue from running dry, and Netty then polls the sockets only once per task quantum (1
   * s by default): the acks arrive a second late and the server counts its datagrams lost. A
   * scheduled task due at once costs a timer wake-up per round: the I/O thread slept most of the
   * time.
   */
  private static final class Rounds implements Runnable {
    final CompletableFuture<Long> done = new CompletableFuture<>();
    private final io.netty.channel.SingleThreadEventLoop loop;
    private final Runnable round;
    private final long until;
    // Registered from a task (a tail task that registers itself would run again at once).
    private final Runnable next;
    private long rounds;

    Rounds(io.netty.channel.EventLoop loop, Runnable round, long until) {
      this.loop = (io.netty.channel.SingleThreadEventLoop) loop;
      this.round = round;
      this.until = until;
      this.next = () -> this.loop.executeAfterEventLoopIteration(this);
      loop.execute(next);
    }

    @Override
    public void run() {
      if (System.nanoTime() - until >= 0) {
        done.complete(rounds);
        return;
      }
      try {
        round.run();
        rounds++;
        loop.execute(next);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }
  }

  private static long sendLoop(
      DatagramChannel sender, ByteBuffer b, InetSocketAddress[] to, long until) throws IOException {
    long n = 0;
    do {
      for (InetSocketAddress a : to) {
        b.clear();
        sender.send(b, a);
      }
      n += to.length;
    } while (System.nanoTime() < until);
    return n;
  }

  /**
   * A server broadcasting one small unreliable message per tick to {@code clients} connected
   * clients, whose listeners count what they receive on one I/O thread of their own. The tick runs
   * on the server's I/O thread (the server is given a one-thread {@link IoThreads} whose loop the
   * harness can reach): a task broadcasts, the server's flush of that tick runs next, and then the
   * next tick, so each tick's datagrams go out in one output pass and no third thread spins. An
   * untimed quarter of {@code seconds} first. Sent = the server's connections' {@code packetsOut}.
   */
  static Flush gamewireFlush(
      int clients, int size, double warmupSeconds, double seconds, long timeoutNanos)
      throws Exception {
    RealtimeConfig config =
        RealtimeConfig.builder()
            .channels(Map.of(1, DeliveryMode.UNRELIABLE))
            // The floor has no congestion control: pin every connection's budget at 50 MB/s (far
            // above what one connection sends here) so this measures the output path, not a slow
            // start, nor the budget cuts that the clients' dropped datagrams would cause when the
            // server outruns their reader (the floor's sinks drop the same way, unthrottled).
            .congestion(
                io.gamewire.protocol.realtime.CongestionConfig.builder()
                    .budgetBytesPerSecond(50_000_000L, 50_000_000L, 50_000_000L)
                    .build())
            .build();
    AtomicLong received = new AtomicLong();
    List<Integer> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<RealtimeClient> list = new ArrayList<>();
    try (IoThreads serverThreads = IoThreads.create(1, "flush-server");
        IoThreads clientThreads = IoThreads.create(1, "flush-clients");
        RealtimeServer server =
            ioThreadServer(config, ids, (clientId, channel, message) -> {})
                .maxClients(clients)
                .ioThreads(serverThreads)
                .build()) {
      server.start();
      try {
        List<CompletableFuture<RealtimeClient>> pending = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          RealtimeClient c =
              RealtimeClient.builder(server.localAddress())
                  .config(config)
                  .ioThreads(clientThreads)
                  .listenersOnIoThread()
                  .listener(
                      new RealtimeClientListener() {
                        @Override
                        public void onMessage(int channel, byte[] message) {
                          received.incrementAndGet();
                        }
                      })
                  .build();
          list.add(c);
          pending.add(c.connectAsync());
        }
        for (CompletableFuture<RealtimeClient> f : pending) {
          f.get(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        io.netty.channel.EventLoop loop = serverThreads.group().next();
        byte[] message = new byte[size];
        // The game tick: a broadcast from the I/O thread is handed to the endpoint at once and
        // schedules one flush task, which runs before the next tick (queued after it).
        Runnable tick =
            () -> {
              if (!server.broadcast(1, message)) {
                throw new IllegalStateException("the server refused a broadcast");
              }
            };
        new Rounds(loop, tick, System.nanoTime() + (long) (warmupSeconds * 1e9))
            .done.get(timeoutNanos, TimeUnit.NANOSECONDS);
        long sentBefore = packetsOut(server, ids);
        ThreadCpu serverCpu = ThreadCpu.of("flush-server");
        ThreadCpu clientCpu = ThreadCpu.of("flush-clients");
        ThreadCpu allCpu = ThreadCpu.of("");
        long before = received.get();
        long start = System.nanoTime();
        long ticks =
            new Rounds(loop, tick, start + (long) (seconds * 1e9))
                .done.get(timeoutNanos, TimeUnit.NANOSECONDS);
        long elapsed = System.nanoTime() - start;
        long got = received.get() - before;
        ThreadCpu.Usage serverUse = serverCpu.since(elapsed, 0);
        ThreadCpu.Usage clientUse = clientCpu.since(elapsed, got);
        ThreadCpu.Usage rest = allCpu.since(elapsed, 0).minus(serverUse, clientUse);
        long sent = packetsOut(server, ids) - sentBefore;
        double s = elapsed / 1e9;
        return new Flush(sent / s, got / s, ticks / s, serverUse.withCount(sent), clientUse, rest);
      } finally {
        for (RealtimeClient c : list) {
          c.close();
        }
      }
    }
  }

  private static long packetsOut(RealtimeServer server, List<Integer> ids) {
    long n = 0;
    for (int id : ids) {
      var st = server.stats(id);
      n += st == null ? 0 : st.packetsOut();
    }
    return n;
  }

  /** What a harness server does with a message, on its I/O thread. */
  @FunctionalInterface
  interface ServerMessages {
    void onMessage(int clientId, int channel, byte[] message);
  }

  /**
   * A server on 127.0.0.1 whose listener runs on its I/O thread: it adds each connected client's id
   * to {@code ids} and hands each message to {@code messages}.
   */
  static RealtimeServer.Builder ioThreadServer(
      RealtimeConfig config, List<Integer> ids, ServerMessages messages) {
    return RealtimeServer.builder()
        .bind(ANY_LOOPBACK)
        .config(config)
        .listenersOnIoThread()
        .listener(
            new RealtimeServerListener() {
              @Override
              public void onConnected(int clientId, InetSocketAddress address) {
                ids.add(clientId);
              }

              @Override
              public void onMessage(int clientId, int channel, byte[] message) {
                messages.onMessage(clientId, channel, message);
              }
            });
  }

  // ---------------------------------------------------------------- files

  /** The first three fields of /proc/loadavg, or "unknown" where there is none. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static Path defaultOutDir() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("bench").resolve("pom.xml"))) {
        return d.resolve("bench").resolve("results");
      }
    }
    throw new IllegalStateException("no bench/pom.xml at or above " + dir + "; pass --out DIR");
  }

  static void writeWhole(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
