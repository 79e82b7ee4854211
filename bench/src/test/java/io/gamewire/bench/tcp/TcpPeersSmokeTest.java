package io.gamewire.bench.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs each peer with tiny counts: checks that it completes and cleans up, not how fast it is. */
class TcpPeersSmokeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @ParameterizedTest
  @ValueSource(strings = {"raw-nio", "kryonet", "gamewire"})
  void completesPingPongAndOneWayThenReleasesItsThreads(String name) throws Exception {
    Set<Thread> before = liveThreads();
    Histogram rtt = new Histogram(3);
    try (TcpPeer peer = TcpHarness.PEERS.get(name).create(TIMEOUT, 32)) {
      peer.start();
      peer.pingPong(32, 50, 200, rtt);
      peer.oneWay(32, 2_000);
      peer.oneWay(32, 2_000);
    }
    assertThat(rtt.getTotalCount()).isEqualTo(200);
    assertThat(rtt.getMinValue()).isPositive();

    // Netty's process-wide GlobalEventExecutor thread (used while event loops shut down) stops
    // by itself after a second without work; give such threads a few seconds to end.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    Set<Thread> leftOver = liveThreads();
    leftOver.removeAll(before);
    while (!leftOver.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      leftOver.removeIf(t -> !t.isAlive());
    }
    assertThat(leftOver.stream().map(Thread::getName).collect(Collectors.toList())).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"raw-nio", "kryonet", "gamewire"})
  void closeIsIdempotent(String name) throws Exception {
    TcpPeer peer = TcpHarness.PEERS.get(name).create(TIMEOUT, 32);
    peer.start();
    peer.close();
    peer.close();
  }

  @Test
  void harnessWritesStampedAndLatestJson(@TempDir Path out) throws Exception {
    TcpHarness.Options options =
        TcpHarness.Options.parse(
            "--size",
            "16",
            "--warmup",
            "10",
            "--count",
            "100",
            "--one-way-warmup",
            "100",
            "--messages",
            "1000",
            "--timeout-seconds",
            "10",
            "--out",
            out.toString());
    TcpHarness.Report report = TcpHarness.run(options, System.out);
    List<Path> written = TcpHarness.write(report, out);

    assertThat(report.results())
        .extracting(TcpHarness.PeerResult::peer)
        .containsExactlyElementsOf(TcpHarness.PEERS.keySet());
    assertThat(report.results()).allSatisfy(r -> assertThat(r.rttCount()).isEqualTo(100));
    assertThat(written).hasSize(2).allSatisfy(p -> assertThat(p).isRegularFile());
    String json = Files.readString(out.resolve("tcp-latest.json"));
    assertThat(json)
        .contains("\"peer\": \"raw-nio\"", "\"peer\": \"kryonet\"", "\"peer\": \"gamewire\"")
        .contains("\"rttP50Micros\"", "\"rttP99Micros\"", "\"rttP999Micros\"")
        .contains("\"messagesPerSecond\"", "\"javaVersion\"", "\"cores\"", "\"timestamp\"");
    assertThat(TcpHarness.table(report)).contains("raw-nio", "kryonet");
  }

  @Test
  void rejectsUnknownPeerAndOversizedPayload() {
    assertThatThrownBy(() -> TcpHarness.Options.parse("--peers", "nope"))
        .hasMessageContaining("unknown peer 'nope'");
    assertThatThrownBy(() -> TcpHarness.Options.parse("--size", "100000"))
        .hasMessageContaining("payload size 100000");
  }

  @Test
  void jsonWriterEscapesAndNests() {
    String json =
        new JsonWriter()
            .beginObject()
            .name("a\"b")
            .value("line\nbreak")
            .name("list")
            .beginArray()
            .value(1)
            .value(2.5, 1)
            .endArray()
            .name("empty")
            .beginObject()
            .endObject()
            .endObject()
            .toString();
    assertThat(json)
        .isEqualTo(
            "{\n  \"a\\\"b\": \"line\\nbreak\",\n  \"list\": [\n    1,\n    2.5\n  ],\n"
                + "  \"empty\": {}\n}\n");
  }

  private static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .collect(Collectors.toSet());
  }
}
