package io.gamewire.cli.bench;

import io.gamewire.cli.Json;
import io.gamewire.cli.Main;
import io.gamewire.transport.GameClient;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gamewire bench state}: what state sync costs per client, native profile against PyGaSe
 * profile; see {@link StateBench}. Exits 1 when a run failed (clients not in sync in time), 2 on a
 * usage error.
 */
@Command(
    name = "state",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a game server and N clients on 127.0.0.1 in this process and measures state sync:"
          + " bytes received per second per client, server CPU per client, and the interval"
          + " between the state versions clients see (p50, p99; up to 8 clients watched).",
      "Scenario entities: N entities {x, y, hp}, a share of them changing every tick; clients only"
          + " hold the state. Scenario chase: the chase example, every player sending a move 20"
          + " times a second.",
      "--profile both runs native, then PyGaSe, and prints the ratio of their bytes."
    })
public final class StateBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--clients",
      defaultValue = "20",
      description = "Connected clients; players in chase (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--entities",
      defaultValue = "100",
      description = "Entities in the state, entities scenario (default ${DEFAULT-VALUE}).")
  int entities;

  @Option(
      names = "--change-rate",
      defaultValue = "10",
      paramLabel = "PCT",
      description = "Entities changed each tick, percent (default ${DEFAULT-VALUE}).")
  double changeRate;

  @Option(
      names = "--seconds",
      defaultValue = "10",
      description = "Length of the measured window (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      paramLabel = "SECONDS",
      description = "Warm-up after all clients are in sync (default ${DEFAULT-VALUE}).")
  double warmup;

  @Option(
      names = "--profile",
      defaultValue = "both",
      description = "native, pygase or both (default ${DEFAULT-VALUE}).")
  String profile;

  @Option(
      names = "--scenario",
      defaultValue = "entities",
      description = "entities or chase (default ${DEFAULT-VALUE}).")
  String scenario;

  @Option(
      names = "--rate",
      defaultValue = "20",
      paramLabel = "HZ",
      description = "Server tick rate and send rate (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--quantum",
      defaultValue = "0.01",
      paramLabel = "Q",
      description =
          "Float quantum of server and clients; 0 sends exact floats (default ${DEFAULT-VALUE}).")
  double quantum;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--account",
      description =
          "Route the clients through a relay that sorts every byte by where it goes (headers,"
              + " acks, updates, deltas, events, resends), per direction.")
  boolean account;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON object to FILE.")
  Path outFile;

  @Override
  public Integer call() throws Exception {
    StateBench.Scenario sc;
    try {
      sc = StateBench.Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "--scenario must be entities or chase, was '" + scenario + "'");
    }
    List<GameClient.Profile> profiles =
        switch (profile) {
          case "native" -> List.of(GameClient.Profile.NATIVE);
          case "pygase" -> List.of(GameClient.Profile.PYGASE);
          case "both" -> List.of(GameClient.Profile.NATIVE, GameClient.Profile.PYGASE);
          default ->
              throw new ParameterException(
                  spec.commandLine(),
                  "--profile must be native, pygase or both, was '" + profile + "'");
        };
    List<StateBench.Settings> settings = new ArrayList<>();
    try {
      for (GameClient.Profile p : profiles) {
        settings.add(
            new StateBench.Settings(
                sc, p, clients, entities, changeRate, rate, seconds, warmup, quantum, seed));
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<StateBench.Result> results = new ArrayList<>();
    List<Object> runs = new ArrayList<>();
    boolean failed = false;
    for (StateBench.Settings s : settings) {
      if (!json) {
        err.printf(
            Locale.ROOT,
            "gamewire bench state: %s, %s profile, %d clients%s, %d Hz, %.1f s%n",
            scenario,
            s.profile().name().toLowerCase(Locale.ROOT),
            clients,
            sc == StateBench.Scenario.ENTITIES
                ? String.format(
                    Locale.ROOT, ", %d entities, %.1f%% change per tick", entities, changeRate)
                : "",
            rate,
            seconds);
        err.flush();
      }
      String name = s.profile().name().toLowerCase(Locale.ROOT);
      try {
        StateBench.Result r = StateBench.run(s, account);
        results.add(r);
        runs.add(r.toMap());
      } catch (Exception e) {
        // Reported, and the other profile still runs: one profile's limit is a result too.
        failed = true;
        err.println("gamewire bench state: the " + name + " run failed: " + e.getMessage());
        err.flush();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", name);
        m.put("scenario", sc.name().toLowerCase(Locale.ROOT));
        m.put("clients", clients);
        m.put("failed", String.valueOf(e.getMessage()));
        runs.add(m);
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    if (runs.size() == 1) {
      @SuppressWarnings("unchecked")
      Map<String, Object> only = (Map<String, Object>) runs.get(0);
      doc.putAll(only);
    } else {
      doc.put("scenario", sc.name().toLowerCase(Locale.ROOT));
      doc.put("runs", runs);
      doc.put("pygaseToNativeBytesRatio", results.size() == 2 ? ratio(results) : null);
    }
    doc.put("timestamp", Instant.now().toString());
    doc.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    doc.put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    String text = Json.write(doc);
    if (outFile != null) {
      Path parent = outFile.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(outFile, text + System.lineSeparator(), StandardCharsets.UTF_8);
    }
    if (json) {
      out.println(text);
    } else {
      for (StateBench.Result r : results) {
        printText(out, r);
      }
      if (results.size() == 2) {
        out.printf(Locale.ROOT, "pygase / native bytes per client: %.2f%n", ratio(results));
      }
    }
    out.flush();
    return failed ? Main.EXIT_FAILURE : Main.EXIT_OK;
  }

  private static double ratio(List<StateBench.Result> results) {
    double nativeBytes = results.get(0).bytesPerSecondPerClient();
    double pygaseBytes = results.get(1).bytesPerSecondPerClient();
    return nativeBytes <= 0 ? Double.NaN : Math.round(pygaseBytes / nativeBytes * 100) / 100.0;
  }

  private static void printText(PrintWriter out, StateBench.Result r) {
    out.printf(
        Locale.ROOT,
        "%s: %,.0f bytes/s per client (min %,.0f, max %,.0f), server CPU %.2f ms/s per client,"
            + " updates every %.1f ms p50, %.1f ms p99 (%s)%n",
        r.settings().profile().name().toLowerCase(Locale.ROOT),
        r.bytesPerSecondPerClient(),
        r.minBytesPerSecondPerClient(),
        r.maxBytesPerSecondPerClient(),
        r.serverCpuMillisPerSecondPerClient(),
        r.updateIntervalP50Millis(),
        r.updateIntervalP99Millis(),
        r.timingHeld() ? "timing held" : "timing slipped");
    if (r.settings().scenario() == StateBench.Scenario.CHASE) {
      out.printf(
          Locale.ROOT,
          "  %.1f bytes per moved player per update (%,.0f moves/s, %.1f updates/s)%n",
          r.bytesPerMovedPlayerPerUpdate(),
          r.movesPerSecond(),
          r.updatesPerSecond());
    }
    StringBuilder gc = new StringBuilder();
    r.gc()
        .forEach(
            (name, v) -> {
              Map<?, ?> e = (Map<?, ?>) v;
              gc.append(gc.length() == 0 ? "" : ", ")
                  .append(name)
                  .append(' ')
                  .append(e.get("count"))
                  .append(" (")
                  .append(e.get("millis"))
                  .append(" ms)");
            });
    out.printf(
        Locale.ROOT,
        "  server send ticks every %.1f ms p99 (max %.1f); garbage collection in the window: %s%n",
        r.serverSendIntervalP99Millis(),
        r.serverSendIntervalMaxMillis(),
        gc);
  }
}
