package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code gamewire demo}, {@code game-server} and {@code game-client} in process. */
class TileDemoTest {
  private static ResourceLeakDetector.Level leakLevel;

  /** Paranoid leak tracing costs a stack trace per buffer access: too slow for 8 bots. */
  @BeforeAll
  static void lighterLeakDetection() {
    leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
  }

  @AfterAll
  static void restoreLeakDetection() {
    ResourceLeakDetector.setLevel(leakLevel);
  }

  @Test
  void headlessDemoPrintsAStatusLineEachSecondAndReportsAllBotsConnected() {
    Cli.Result r = Cli.run("demo", "--headless", "--seconds", "5", "--seed", "7");

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains(
            "tile game server listening on 127.0.0.1:",
            "registered as 'gamewire-demo' with the connector on 127.0.0.1:",
            "8 bots joined by name")
        .containsPattern("demo finished after \\d+\\.\\d s: all 8 bots connected, 8 players, ");
    Matcher status =
        Pattern.compile(
                "(?m)^\\s+\\d+s  players 8  tick (\\d+)  ping \\d+\\.\\d ms  per client in"
                    + " [\\d.]+ k?B/s out [\\d.]+ k?B/s$")
            .matcher(r.out());
    int lines = 0;
    long lastTick = -1;
    while (status.find()) {
      lines++;
      long tick = Long.parseLong(status.group(1));
      assertThat(tick).as("ticks go up").isGreaterThan(lastTick);
      lastTick = tick;
    }
    assertThat(lines).as(r.out()).isEqualTo(5);
  }

  @Test
  void aTakenPortFailsWithOneLine() throws Exception {
    try (DatagramSocket taken =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      String at = "127.0.0.1:" + taken.getLocalPort();
      Cli.Result r = Cli.run("demo", "--headless", "--seconds", "1", "--bind", at);
      assertThat(r.exit()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(r.err())
          .isEqualTo(
              "gamewire: cannot listen on "
                  + at
                  + ": the port is in use; choose another with --bind"
                  + System.lineSeparator());
      assertThat(r.out()).doesNotContain("listening");
    }
  }

  @Test
  void gameServerAndBotClientsPlayAndBadNamesAreRefused() throws Exception {
    Cli.Running server =
        Cli.start(LineFeed.of(), "game-server", "--bind", "127.0.0.1:0", "--seconds", "60");
    try {
      server.awaitOut("listening on");
      String address = server.address();
      Cli.Result bot =
          Cli.run(
              "game-client",
              address,
              "--name",
              "walker",
              "--bot",
              "--mode",
              "break",
              "--seconds",
              "2.5");
      assertThat(bot.exit()).as(bot.out() + bot.err()).isZero();
      assertThat(bot.out())
          .contains("walker joined " + address + " as player ")
          .containsPattern(
              "1 players \\| ping \\d+\\.\\d ms \\| sent .* \\| received .* \\| \\d+ ticks/s \\| good");

      Cli.Result bad = Cli.run("game-client", address, "--name", "no spaces", "--bot");
      assertThat(bad.exit()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(bad.err())
          .startsWith(
              "gamewire: cannot join as no spaces: a name is 1..16 letters, digits, '_' or '-'");
    } finally {
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
    assertThat(server.out()).contains("tile game server stopped");
  }

  @Test
  void aBotJoinsAGameServerByNameThroughAConnector() throws Exception {
    try (io.gamewire.connector.Connector connector =
        io.gamewire.connector.Connector.builder().bind("127.0.0.1:0").build().start()) {
      String via = io.gamewire.transport.Addresses.format(connector.localAddress());
      Cli.Running server =
          Cli.start(
              LineFeed.of(),
              "game-server",
              "--bind",
              "127.0.0.1:0",
              "--seconds",
              "60",
              "--register",
              "tiles-by-name",
              "--connector",
              via);
      try {
        server.awaitOut("registered as 'tiles-by-name'");
        Cli.Result bot =
            Cli.run(
                "game-client",
                "--server-name",
                "tiles-by-name",
                "--connector",
                via,
                "--name",
                "finder",
                "--bot",
                "--seconds",
                "1.5");
        assertThat(bot.exit()).as(bot.out() + bot.err()).isZero();
        assertThat(bot.out()).contains("finder joined 'tiles-by-name' as player ");
      } finally {
        server.interrupt();
      }
      assertThat(server.awaitExit()).isZero();
    }
  }

  @Test
  void aBotJoinsAGameServerFoundOnTheLanByNameAndAnUnknownNameListsWhatWasFound() throws Exception {
    Cli.Running server =
        Cli.start(
            LineFeed.of(),
            "game-server",
            "--bind",
            "127.0.0.1:0",
            "--seconds",
            "60",
            "--lan-name",
            "cli-lan-tiles",
            "--lan-port",
            "0");
    try {
      server.awaitOut("announced on the LAN");
      String address = server.address();
      Matcher m =
          Pattern.compile("announced on the LAN as 'cli-lan-tiles' \\(discovery port (\\d+)\\)")
              .matcher(server.out());
      assertThat(m.find()).as(server.out()).isTrue();
      String lanPort = m.group(1);

      Cli.Result bot =
          Cli.run(
              "game-client",
              "--lan",
              "cli-lan-tiles",
              "--lan-port",
              lanPort,
              "--name",
              "lanbot",
              "--bot",
              "--seconds",
              "1.5");
      assertThat(bot.exit()).as(bot.out() + bot.err()).isZero();
      assertThat(bot.out())
          .contains("lanbot joined 'cli-lan-tiles' on the LAN (" + address + ") as player ");

      Cli.Result first =
          Cli.run(
              "game-client",
              "--lan",
              "--lan-port",
              lanPort,
              "--name",
              "anybot",
              "--bot",
              "--seconds",
              "0.5");
      assertThat(first.exit()).as(first.out() + first.err()).isZero();
      assertThat(first.out()).contains("anybot joined 'cli-lan-tiles' on the LAN");

      Cli.Result lost =
          Cli.run(
              "game-client", "--lan", "nobody", "--lan-port", lanPort, "--name", "lost", "--bot");
      assertThat(lost.exit()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(lost.err())
          .isEqualTo(
              "gamewire: cannot join as lost: no tile server named 'nobody' on the LAN; found"
                  + " 'cli-lan-tiles' (tiles, "
                  + address
                  + ")"
                  + System.lineSeparator());

      // An address after --lan is read as its NAME; the error tells what happened.
      Cli.Result addressAsName =
          Cli.run(
              "game-client", "--lan", address, "--lan-port", lanPort, "--name", "lost", "--bot");
      assertThat(addressAsName.exit()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(addressAsName.err())
          .contains("no tile server named '" + address + "' on the LAN")
          .contains(
              "'" + address + "' looks like an address: to join it, give it as ADDR without --lan");

      Cli.Result both = Cli.run("game-client", address, "--lan", "--name", "two", "--bot");
      assertThat(both.exit()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(both.err())
          .contains("give either ADDR, --server-name NAME with --connector ADDR, or --lan [NAME]");
    } finally {
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
  }

  @Test
  void noLanTurnsTheAnnouncementOff() throws Exception {
    Cli.Running server =
        Cli.start(
            LineFeed.of(), "game-server", "--bind", "127.0.0.1:0", "--seconds", "60", "--no-lan");
    try {
      server.awaitOut("listening on");
    } finally {
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
    // The announcement would come between these lines; the whole output is in now.
    assertThat(server.out()).contains("tile game server stopped").doesNotContain("LAN");
  }
}
