package io.gamewire.cli.bench;

import io.gamewire.cli.Json;
import io.gamewire.cli.Main;
import io.gamewire.protocol.realtime.DeliveryMode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gamewire bench realtime}: a realtime server and N clients over loopback in this process
 * (through a lossy proxy when {@code --loss} or {@code --latency} is set), exchanging numbered
 * messages; see {@link RealtimeBench}. Exits 1 when the mode broke a promise (a reliable message
 * lost, duplicated, or out of order on an ordered channel), 2 on a usage error.
 */
@Command(
    name = "realtime",
    mixinStandardHelpOptions = true,
    description = {
      "Sends numbered messages from N realtime (UDP) clients to a server on 127.0.0.1 in this"
          + " process; the server checks each one and echoes it. Prints sent, delivered,"
          + " duplicates, out-of-order arrivals, the round trip of the echoes (p50, p99) and"
          + " messages delivered per second.",
      "With --loss or --latency the datagrams go through a lossy UDP proxy (both directions).",
      "Exit status 1 if a reliable message was lost, duplicated or (reliable-ordered) delivered"
          + " out of order."
    })
public final class RealtimeBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--clients",
      defaultValue = "4",
      description = "Connected clients, each sending (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--messages",
      defaultValue = "0",
      description =
          "Messages each client sends; 0 sends until --seconds have passed (default"
              + " ${DEFAULT-VALUE}).")
  long messages;

  @Option(
      names = "--size",
      defaultValue = "32",
      description = "Payload bytes per message, 16 to 65536 (default ${DEFAULT-VALUE}).")
  int size;

  @Option(
      names = "--loss",
      defaultValue = "0",
      paramLabel = "PCT",
      description =
          "Datagrams dropped in each direction, percent 0 to 90 (default ${DEFAULT-VALUE}).")
  double loss;

  @Option(
      names = "--latency",
      defaultValue = "0",
      paramLabel = "MS",
      description = "Delay added in each direction, 0 to 1000 ms (default ${DEFAULT-VALUE}).")
  int latency;

  @Option(
      names = "--mode",
      defaultValue = "reliable-ordered",
      paramLabel = "MODE",
      description =
          "reliable-ordered, reliable-unordered, unreliable or unreliable-sequenced (default"
              + " ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--seconds",
      defaultValue = "5",
      description = "Longest sending time (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--window",
      defaultValue = "256",
      description =
          "Messages per client not yet acknowledged or timed out, at most (default"
              + " ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  /** The delivery mode a {@code --mode} value names, or null. */
  static DeliveryMode parseMode(String text) {
    for (DeliveryMode m : DeliveryMode.values()) {
      if (RealtimeBench.modeName(m).equals(text)) {
        return m;
      }
    }
    return null;
  }

  @Override
  public Integer call() throws Exception {
    DeliveryMode m = parseMode(mode);
    if (m == null) {
      throw new ParameterException(
          spec.commandLine(),
          "--mode must be reliable-ordered, reliable-unordered, unreliable or"
              + " unreliable-sequenced, was '"
              + mode
              + "'");
    }
    RealtimeBench.Settings settings;
    try {
      settings =
          new RealtimeBench.Settings(clients, messages, size, loss, latency, m, seconds, window);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!json) {
      err.printf(
          Locale.ROOT,
          "gamewire bench realtime: %d clients, %s, %d-byte messages, %s%s%n",
          clients,
          mode,
          size,
          messages == 0 ? "for " + seconds + " s" : messages + " messages each",
          settings.throughProxy()
              ? String.format(Locale.ROOT, ", proxy: %.1f%% loss, %d ms each way", loss, latency)
              : "");
      err.flush();
    }
    RealtimeBench.Result r = RealtimeBench.run(settings);
    if (json) {
      out.println(Json.write(r.toMap()));
    } else {
      out.printf(
          Locale.ROOT,
          "sent %,d  delivered %,d  duplicates %,d  out of order %,d  (echoes back %,d)%n",
          r.sent(),
          r.delivered(),
          r.duplicates(),
          r.outOfOrder(),
          r.echoed());
      out.printf(
          Locale.ROOT,
          "round trip: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%n",
          r.rttP50Micros(),
          r.rttP99Micros(),
          r.rttP999Micros(),
          r.rttMaxMicros());
      out.printf(
          Locale.ROOT,
          "throughput: %,.0f messages/s delivered (%.2f s)%s%n",
          r.messagesPerSecond(),
          r.seconds(),
          r.proxyDropped() > 0
              ? String.format(", proxy dropped %,d datagrams", r.proxyDropped())
              : "");
      if (!r.drained()) {
        out.println("warning: some messages were still in flight when the run gave up waiting");
      }
      for (String p : r.problems()) {
        out.println("FAILED: " + p);
      }
    }
    out.flush();
    return r.problems().isEmpty() ? Main.EXIT_OK : Main.EXIT_FAILURE;
  }
}
