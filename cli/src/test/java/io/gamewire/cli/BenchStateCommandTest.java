package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs {@code gamewire bench state} tiny on both profiles and reads its JSON. */
class BenchStateCommandTest {
  private static ResourceLeakDetector.Level leakLevel;

  /** Paranoid leak tracing costs a stack trace per buffer access: too slow for a benchmark. */
  @BeforeAll
  static void lighterLeakDetection() {
    leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
  }

  @AfterAll
  static void restoreLeakDetection() {
    ResourceLeakDetector.setLevel(leakLevel);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> runs(Cli.Result r) {
    assertThat(r.exit()).as("exit status; stderr: %s; stdout: %s", r.err(), r.out()).isZero();
    String line = r.out().trim();
    assertThat(line.lines().count()).as("one JSON object on stdout: %s", line).isEqualTo(1);
    Map<String, Object> json = (Map<String, Object>) JsonReader.parse(line);
    assertThat(json).containsKeys("runs", "pygaseToNativeBytesRatio");
    List<Map<String, Object>> runs = (List<Map<String, Object>>) json.get("runs");
    assertThat(runs).hasSize(2);
    assertThat(runs.get(0).get("profile")).isEqualTo("native");
    assertThat(runs.get(1).get("profile")).isEqualTo("pygase");
    for (Map<String, Object> run : runs) {
      assertThat(run)
          .containsKeys(
              "profile",
              "scenario",
              "clients",
              "entities",
              "bytesPerSecondPerClient",
              "serverCpuMillisPerSecondPerClient",
              "updateIntervalP50Millis",
              "updateIntervalP99Millis");
      assertThat(((Number) run.get("connected")).intValue()).isEqualTo(3);
      assertThat(((Number) run.get("bytesPerSecondPerClient")).doubleValue()).isPositive();
      assertThat(((Number) run.get("serverCpuMillisPerSecondPerClient")).doubleValue())
          .isPositive();
      double p50 = ((Number) run.get("updateIntervalP50Millis")).doubleValue();
      double p99 = ((Number) run.get("updateIntervalP99Millis")).doubleValue();
      assertThat(p50).isPositive();
      assertThat(p99).isGreaterThanOrEqualTo(p50);
      assertThat(((Number) run.get("watchedClients")).intValue()).as("all 3 clients").isEqualTo(3);
      assertThat(((Number) run.get("serverSendIntervalP99Millis")).doubleValue()).isPositive();
      assertThat(run).containsKey("gcDuringWindow");
    }
    double nativeBytes = ((Number) runs.get(0).get("bytesPerSecondPerClient")).doubleValue();
    double pygaseBytes = ((Number) runs.get(1).get("bytesPerSecondPerClient")).doubleValue();
    assertThat(nativeBytes).as("native bytes per client below PyGaSe's").isLessThan(pygaseBytes);
    return runs;
  }

  @Test
  @Timeout(120)
  void entitiesScenarioNativeSendsFewerBytesThanPygase() {
    List<Map<String, Object>> runs =
        runs(
            Cli.run(
                "bench",
                "state",
                "--clients",
                "3",
                "--entities",
                "20",
                "--change-rate",
                "25",
                "--seconds",
                "2",
                "--warmup",
                "0.5",
                "--profile",
                "both",
                "--json"));
    assertThat(runs.get(0).get("scenario")).isEqualTo("entities");
    assertThat(((Number) runs.get(0).get("entities")).intValue()).isEqualTo(20);
  }

  @Test
  @Timeout(120)
  void chaseScenarioReportsBytesPerMovedPlayer() {
    List<Map<String, Object>> runs =
        runs(
            Cli.run(
                "bench",
                "state",
                "--scenario",
                "chase",
                "--clients",
                "3",
                "--seconds",
                "2",
                "--warmup",
                "0.5",
                "--profile",
                "both",
                "--json"));
    for (Map<String, Object> run : runs) {
      assertThat(run.get("scenario")).isEqualTo("chase");
      assertThat(((Number) run.get("movesPerSecond")).doubleValue()).isPositive();
      assertThat(((Number) run.get("bytesPerMovedPlayerPerUpdate")).doubleValue()).isPositive();
    }
  }

  @Test
  void unknownProfileIsAUsageError() {
    Cli.Result r = Cli.run("bench", "state", "--profile", "carrier-pigeon");
    assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("--profile must be");
  }
}
