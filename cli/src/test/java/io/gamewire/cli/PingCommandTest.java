package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PingCommandTest {
  private Cli.Running server;

  @BeforeEach
  void startServer() {
    server = Cli.server("echo-server");
  }

  @AfterEach
  void stopServer() throws Exception {
    server.interrupt();
    assertThat(server.awaitExit()).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonOutputIsExactlyOneObjectWithAddressDelayAndData() {
    Cli.Result r = Cli.run("ping", "--json", server.address());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).hasLineCount(1);
    Object parsed = JsonReader.parse(r.out().strip());
    assertThat(parsed).isInstanceOf(Map.class);
    Map<String, Object> o = (Map<String, Object>) parsed;
    assertThat(o).containsOnlyKeys("address", "delayMillis", "data");
    assertThat(o.get("address")).isEqualTo(server.address());
    assertThat(((Number) o.get("delayMillis")).doubleValue()).isPositive();
    Map<String, Object> data = (Map<String, Object>) o.get("data");
    assertThat(data).containsEntry("example", "echo").containsKey("peng3dnet");
    assertThat((Map<String, Object>) data.get("peng3dnet")).containsKey("protoversion");
  }

  @Test
  void textOutputShowsTheDelayAndEachDataKey() {
    Cli.Result r = Cli.run("ping", server.address(), "--timeout", "2");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .containsPattern(
            "^" + java.util.regex.Pattern.quote(server.address()) + " answered in \\d+\\.\\d\\d ms")
        .contains("  example: \"echo\"")
        .contains("  peng3dnet: {");
  }
}
