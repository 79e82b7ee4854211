package io.gamewire.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Checks that the command runs and prints what it promises, not how fast it is. */
class TcpBenchCommandTest {

  @Test
  void jsonHasTheFourKeys() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    int status = cli.execute("bench", "tcp", "--seconds", "1", "--size", "16", "--json");
    assertThat(status).isZero();
    String json = out.toString().trim();
    assertThat(json).startsWith("{").endsWith("}");
    assertThat(json)
        .contains(
            "\"rttP50Micros\":",
            "\"rttP99Micros\":",
            "\"rttP999Micros\":",
            "\"messagesPerSecond\":");
  }

  @Test
  void rejectsABadSize() {
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(new PrintWriter(new StringWriter()));
    assertThat(cli.execute("bench", "tcp", "--size", "0")).isNotZero();
  }
}
