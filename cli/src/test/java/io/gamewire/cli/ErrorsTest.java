package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorsTest {

  /** One line on stderr that starts with {@code gamewire:}, and no stack trace. */
  private static void assertOneLineError(Cli.Result r, int exit, String expected) {
    assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(exit);
    assertThat(r.err()).hasLineCount(1).startsWith("gamewire: ").contains(expected);
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aRefusedConnectionIsOneLineAndExitCodeOne() throws Exception {
    String addr = "127.0.0.1:" + closedPort();
    assertOneLineError(Cli.run("ping", addr), 1, "gamewire: connection refused by " + addr);
    assertOneLineError(
        Cli.run(LineFeed.of("hello"), "example", "echo-client", addr),
        1,
        "gamewire: connection refused by " + addr);
    assertOneLineError(
        Cli.run("example", "chat-client", addr, "--nick", "dave"),
        1,
        "gamewire: connection refused by " + addr);
  }

  @Test
  void aBadAddressIsAUsageError() {
    Cli.Result r = Cli.run("ping", "nonsense:xyz");
    assertOneLineError(r, 2, "gamewire: bad ADDR: port 'xyz' in 'nonsense:xyz' is not a number");
    assertThat(r.err()).contains("(see 'gamewire ping --help')");
    assertOneLineError(
        Cli.run("example", "echo-server", "[::1"), 2, "opens '[' but never closes it");
    assertOneLineError(Cli.run("example", "echo-client", "host:70000"), 2, "outside 0..65535");
  }

  @Test
  void aPortInUseIsOneLineAndExitCodeOne() throws Exception {
    Cli.Running first = Cli.server("echo-server");
    try {
      Cli.Result second = Cli.run("example", "echo-server", first.address());
      // The wording after the address depends on Netty's transport (NIO or native epoll).
      assertOneLineError(second, 1, "gamewire: cannot listen on " + first.address() + ": ");
      assertThat(second.err().toLowerCase(java.util.Locale.ROOT)).contains("in use");
    } finally {
      first.interrupt();
    }
    assertThat(first.awaitExit()).isZero();
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(silent.accept());
                  }
                } catch (Exception e) {
                  // closed at the end of the test
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String addr = "127.0.0.1:" + silent.getLocalPort();
      Cli.Result r = Cli.run("ping", addr, "--timeout", "0.3");
      assertOneLineError(r, 1, "gamewire: no ping reply from " + addr + " within 300 ms");
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void usageMistakesExitWithTwo() {
    assertOneLineError(Cli.run("ping"), 2, "Missing required parameter: 'ADDR'");
    assertOneLineError(Cli.run("ping", "127.0.0.1", "--timeout", "0"), 2, "--timeout");
    assertOneLineError(Cli.run("frobnicate"), 2, "frobnicate");
    assertOneLineError(Cli.run("example"), 2, "name an example: echo-server");
    assertOneLineError(Cli.run("example", "chat-client", "127.0.0.1"), 2, "--nick");
  }

  @Test
  void noCommandShowsTheUsageAndExitsWithTwo() {
    Cli.Result r = Cli.run();
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Usage: gamewire", "demo", "example", "ping");
  }
}
