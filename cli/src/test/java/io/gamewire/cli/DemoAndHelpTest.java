package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoAndHelpTest {

  @Test
  void theExampleTourRunsEchoAndChatEndToEndAndExitsZero() {
    Cli.Result r = Cli.run("example", "tour");

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .containsSubsequence(
            "echo server listening on 127.0.0.1:",
            "echo: hello, gamewire",
            "ping: ",
            "echo server stopped ('stop' from client ",
            "chat server listening on 127.0.0.1:",
            "users: 2",
            "[alice] hi bob!",
            "[bob] hello alice, see you",
            "chat server stopped (the demo is over)",
            "tour finished in");
    // printed by the client's thread, so its place relative to the server's lines may vary
    assertThat(r.out()).contains("echo-2      | the server closed the connection (command)");
  }

  @Test
  void helpListsTheCommandsWithADescriptionEach() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .containsPattern("demo\\s+Runs the tile game")
        .containsPattern("game-server\\s+Runs the tile game server")
        .containsPattern("game-client\\s+Joins a tile game server")
        .containsPattern("example\\s+Runs an example server or client")
        .containsPattern("ping\\s+Pings a Gamewire or peng3dnet server")
        .containsPattern("help\\s+");

    Cli.Result examples = Cli.run("example", "--help");
    assertThat(examples.exit()).isZero();
    assertThat(examples.out())
        .contains("tour", "echo-server", "echo-client", "chat-server", "chat-client");
  }
}
