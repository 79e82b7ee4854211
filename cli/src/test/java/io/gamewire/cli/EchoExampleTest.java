package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EchoExampleTest {

  @Test
  void clientEchoesLinesMeasuresPingAndStopShutsTheServerDown() throws Exception {
    Cli.Running server = Cli.server("echo-server");
    assertThat(server.out()).startsWith("echo server listening on 127.0.0.1:");

    Cli.Result client =
        Cli.run(
            LineFeed.of("hello", "wörld", "ping", "stop"),
            "example",
            "echo-client",
            server.address());

    assertThat(client.exit()).as(client.err()).isZero();
    assertThat(client.err()).isEmpty();
    assertThat(client.out())
        .contains("connected to " + server.address())
        .containsSubsequence(
            "echo: hello", "echo: wörld", "ping: ", "the server closed the connection (command)")
        .containsPattern("ping: \\d+\\.\\d\\d ms round trip \\(-?\\d+\\.\\d\\d ms to the server");
    assertThat(server.awaitExit()).isZero();
    assertThat(server.out())
        .containsSubsequence(
            "client 1 connected from 127.0.0.1:",
            "client 1: hello",
            "client 1 pinged",
            "client 1: stop",
            "echo server stopped ('stop' from client 1)");
  }

  @Test
  void clientExitsOnceTheLastReplyHasArrivedAfterEndOfInput() throws Exception {
    Cli.Running server = Cli.server("echo-server");
    try {
      Cli.Result client =
          Cli.run(
              LineFeed.of("one", "two", "ping", "three"),
              "example",
              "echo-client",
              server.address());
      assertThat(client.exit()).as(client.err()).isZero();
      assertThat(client.out())
          .containsSubsequence("echo: one", "echo: two", "ping: ", "echo: three");
    } finally {
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
    assertThat(server.out())
        .contains("client 1 left (userrequest)", "echo server stopped (interrupted)");
  }

  @Test
  void clientFailsWithTheReasonWhenTheServerShutsDown() throws Exception {
    Cli.Running server = Cli.server("echo-server");
    LineFeed typing = new LineFeed();
    Cli.Running client = Cli.start(typing, "example", "echo-client", server.address());
    client.awaitOut("connected to");
    typing.send("still here?");
    client.awaitOut("echo: still here?");

    server.interrupt();

    assertThat(client.awaitExit()).isEqualTo(1);
    assertThat(client.err())
        .isEqualTo(
            "gamewire: the server closed the connection (servershutdown)" + System.lineSeparator());
    assertThat(server.awaitExit()).isZero();
  }
}
