package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gamewire.transport.GameServer;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real window client on a virtual X display: starts {@code Xvfb} on a free display, a {@link
 * TileServer} here, and {@link TileWindowXvfbClient} in a child JVM on that display; the child
 * screenshots its window with {@code java.awt.Robot}. The test checks the picture (the map's tile
 * colours, the player's colour where the server has the player) and keeps it as {@code
 * target/screenshots/tile-window-xvfb.png}. Skipped when there is no {@code Xvfb} or the JDK has no
 * X11 toolkit ({@code .ci/run} installs both).
 */
class TileWindowXvfbTest {
  private static final int FIRST_DISPLAY = 90;
  private static final int LAST_DISPLAY = 190;
  private static final long XVFB_START_MILLIS = 10_000;
  private static final long CHILD_MILLIS = 90_000;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void theWindowOnXvfbShowsTheMapAndThePlayerWhereItStands() throws Exception {
    Path xvfb = findXvfb();
    assumeTrue(
        xvfb != null, "no Xvfb on PATH or in /usr/bin: install the xvfb package to run this");
    Path javaHome = Path.of(System.getProperty("java.home"));
    assumeTrue(
        Files.exists(javaHome.resolve("lib").resolve("libawt_xawt.so")),
        "the JDK at " + javaHome + " has no X11 toolkit (libawt_xawt.so): install a full JRE");

    Path dir = Path.of("target", "screenshots").toAbsolutePath();
    Files.createDirectories(dir);
    Path png = dir.resolve("tile-window-xvfb.png");
    Files.deleteIfExists(png);
    Path childLog = dir.resolve("tile-window-xvfb-client.log");

    Process display = null;
    int[] displayNumber = new int[1];
    Process child = null;
    try (TileServer server =
        TileServer.start("127.0.0.1:0", 7, 4, UnaryOperator.<GameServer.Builder>identity())) {
      display = startXvfb(xvfb, dir.resolve("xvfb.log"), displayNumber);

      ProcessBuilder pb =
          new ProcessBuilder(
              javaHome.resolve("bin").resolve("java").toString(),
              "-Djava.awt.headless=false",
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              TileWindowXvfbClient.class.getName(),
              "127.0.0.1",
              Integer.toString(server.localAddress().getPort()),
              "xvfb",
              png.toString());
      pb.environment().put("DISPLAY", ":" + displayNumber[0]);
      pb.redirectErrorStream(true);
      pb.redirectOutput(childLog.toFile());
      child = pb.start();
      // While the child runs, note where the server has each player (the child leaves on exit).
      Map<Object, double[]> seen = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHILD_MILLIS);
      boolean exited = false;
      while (!exited && System.nanoTime() < deadline) {
        for (Map.Entry<Object, Object> e : TileGame.players(server.server().state()).entrySet()) {
          double[] p = TileGame.position(e.getValue());
          if (p != null) {
            seen.put(e.getKey(), p);
          }
        }
        exited = child.waitFor(20, TimeUnit.MILLISECONDS);
      }
      String log = Files.readString(childLog, StandardCharsets.UTF_8);
      assertThat(exited)
          .as("the window client exits within %d ms; its output:%n%s", CHILD_MILLIS, log)
          .isTrue();
      assertThat(child.exitValue())
          .as("the window client's exit code; its output:%n%s", log)
          .isZero();

      Map<String, long[]> lines = parse(log);
      assertThat(lines)
          .as("the window client's report:%n%s", log)
          .containsKeys("id", "origin", "player");
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image).as("a PNG at %s", png).isNotNull();

      long[] origin = lines.get("origin");
      assertThat(image.getWidth())
          .as("the screenshot holds the whole map")
          .isGreaterThanOrEqualTo((int) origin[0] + TileServer.DEFAULT_WIDTH * TileWindow.TILE);
      assertThat(image.getHeight())
          .as("the screenshot holds the whole map")
          .isGreaterThanOrEqualTo(
              (int) origin[1] + TileWindow.HUD + TileServer.DEFAULT_HEIGHT * TileWindow.TILE);

      // The map: several colours, among them every tile colour.
      Set<Integer> colours = new HashSet<>();
      for (int y = 0; y < image.getHeight(); y += 3) {
        for (int x = 0; x < image.getWidth(); x += 3) {
          colours.add(image.getRGB(x, y) & 0xffffff);
        }
      }
      assertThat(colours.size()).as("distinct colours in %s", png).isGreaterThanOrEqualTo(5);
      for (Color tile : TileWindow.COLORS) {
        assertThat(colours).as("tile colours in %s", png).contains(tile.getRGB() & 0xffffff);
      }

      // The player: where the server has it, as the window draws it, in the player's colour.
      long[] reported = lines.get("player");
      double[] at = seen.get(lines.get("id")[0]);
      assertThat(at).as("the server's position of the window's player").isNotNull();
      int[] expected = TileWindow.pixel(at);
      assertThat(reported)
          .as(
              "the reported player pixel against the server's position %s",
              java.util.Arrays.toString(at))
          .containsExactly(origin[0] + expected[0], origin[1] + expected[1]);
      int you = TileWindow.YOU.getRGB() & 0xffffff;
      List<String> near = new ArrayList<>();
      boolean found = false;
      for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
          int x = (int) reported[0] + dx;
          int y = (int) reported[1] + dy;
          if (x >= 0 && y >= 0 && x < image.getWidth() && y < image.getHeight()) {
            int rgb = image.getRGB(x, y) & 0xffffff;
            near.add(String.format("%06x", rgb));
            found |= rgb == you;
          }
        }
      }
      assertThat(found)
          .as(
              "the player's colour %06x at/near (%d, %d) in %s; there: %s",
              you, reported[0], reported[1], png, near)
          .isTrue();
    } finally {
      if (child != null) {
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      if (display != null) {
        stopXvfb(display, displayNumber[0]);
      }
    }
  }

  private static Path findXvfb() {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        if (!d.isEmpty()) {
          candidates.add(Path.of(d, "Xvfb"));
        }
      }
    }
    candidates.add(Path.of("/usr/bin/Xvfb"));
    for (Path p : candidates) {
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Starts Xvfb on the first display number with neither a socket nor a lock file; when another
   * process takes that number first (Xvfb exits), tries the next one.
   */
  private static Process startXvfb(Path xvfb, Path log, int[] number)
      throws IOException, InterruptedException {
    StringBuilder tried = new StringBuilder();
    for (int n = FIRST_DISPLAY; n <= LAST_DISPLAY; n++) {
      Path socket = Path.of("/tmp/.X11-unix/X" + n);
      if (Files.exists(socket) || Files.exists(Path.of("/tmp/.X" + n + "-lock"))) {
        continue;
      }
      Process p =
          new ProcessBuilder(
                  xvfb.toString(), ":" + n, "-screen", "0", "1024x768x24", "-nolisten", "tcp")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(XVFB_START_MILLIS);
      while (p.isAlive() && !Files.exists(socket) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (p.isAlive() && Files.exists(socket)) {
        number[0] = n;
        return p;
      }
      stopXvfb(p, n);
      tried.append(" :").append(n).append(" (").append(Files.readString(log).strip()).append(')');
    }
    throw new IllegalStateException("Xvfb did not start on any free display:" + tried);
  }

  /**
   * Stops Xvfb politely (it then removes its socket and lock file), forcibly when it does not stop
   * in time; then removes a socket and lock file it left behind.
   */
  private static void stopXvfb(Process p, int n) throws IOException, InterruptedException {
    p.destroy();
    if (!p.waitFor(5, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Path lock = Path.of("/tmp/.X" + n + "-lock");
    if (!p.isAlive()
        && Files.exists(lock)
        && Files.readString(lock).strip().equals(Long.toString(p.pid()))) {
      Files.deleteIfExists(Path.of("/tmp/.X11-unix/X" + n));
      Files.deleteIfExists(lock);
    }
  }

  /** The child's report: lines {@code key n n ...} of numbers, by key. */
  private static Map<String, long[]> parse(String log) {
    Map<String, long[]> out = new HashMap<>();
    for (String line : log.split("\\R")) {
      String[] parts = line.strip().split(" ");
      if (parts.length >= 2 && List.of("id", "origin", "player").contains(parts[0])) {
        long[] values = new long[parts.length - 1];
        try {
          for (int i = 1; i < parts.length; i++) {
            values[i - 1] = Long.parseLong(parts[i]);
          }
        } catch (NumberFormatException e) {
          continue;
        }
        out.put(parts[0], values);
      }
    }
    return out;
  }
}
