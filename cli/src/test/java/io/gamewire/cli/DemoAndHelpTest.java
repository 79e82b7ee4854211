package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoAndHelpTest {

  @Test
  void demoRunsEchoAndChatEndToEndAndExitsZero() {
    long start = System.nanoTime();
    Cli.Result r = Cli.run("demo");

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .containsSubsequence(
            "echo server listening on 127.0.0.1:",
            "echo: hello, gamewire",
            "ping: ",
            "the server closed the connection (command)",
            "echo server stopped ('stop' from client ",
            "chat server listening on 127.0.0.1:",
            "users: 2",
            "[alice] hi bob!",
            "[bob] hello alice, see you",
            "chat server stopped (the demo is over)",
            "demo finished in");
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }

  @Test
  void helpListsTheCommandsWithADescriptionEach() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .containsPattern("demo\\s+Runs the echo and chat examples")
        .containsPattern("example\\s+Runs an example server or client")
        .containsPattern("ping\\s+Pings a Gamewire or peng3dnet server")
        .containsPattern("help\\s+");

    Cli.Result examples = Cli.run("example", "--help");
    assertThat(examples.exit()).isZero();
    assertThat(examples.out()).contains("echo-server", "echo-client", "chat-server", "chat-client");
  }
}
