package io.gamewire.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.cli.Main;
import io.gamewire.cli.Terminal;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Checks that the command runs and prints what it promises, not how fast it is. */
class TcpBenchCommandTest {

  @Test
  void jsonHasTheFourKeys() {
    StringWriter out = new StringWriter();
    CommandLine cli =
        Main.commandLine(
            new Terminal(
                new StringReader(""), new PrintWriter(out), new PrintWriter(new StringWriter())));
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
    CommandLine cli =
        Main.commandLine(
            new Terminal(
                new StringReader(""),
                new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())));
    assertThat(cli.execute("bench", "tcp", "--size", "0")).isNotZero();
  }
}
