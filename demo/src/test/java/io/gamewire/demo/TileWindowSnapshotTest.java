package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.transport.GameServer;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The window's picture of a live game, painted off screen (no display needed): the map in its
 * colours and the player, in its colour, where the server has it. The PNG is kept in {@code
 * target/screenshots}.
 */
class TileWindowSnapshotTest {
  @Test
  void theSnapshotShowsTheMapAndThePlayerWhereItStands() throws Exception {
    try (TileServer server =
            TileServer.start("127.0.0.1:0", 5, 4, UnaryOperator.<GameServer.Builder>identity());
        TileClient me = TileClient.join(server.localAddress(), "painter", null);
        TileClient other = TileClient.join(server.localAddress(), "other", null)) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> me.position() != null && me.others().size() == 1);
      BufferedImage image = TileWindow.snapshot(me);
      Path dir = Path.of("target", "screenshots");
      Files.createDirectories(dir);
      File png = dir.resolve("tile-window.png").toFile();
      ImageIO.write(image, "png", png);

      assertThat(image.getWidth()).isEqualTo(64 * TileWindow.TILE);
      Set<Integer> colours = new HashSet<>();
      for (int y = TileWindow.HUD; y < image.getHeight(); y += 3) {
        for (int x = 0; x < image.getWidth(); x += 3) {
          colours.add(image.getRGB(x, y) & 0xffffff);
        }
      }
      for (java.awt.Color tile : TileWindow.COLORS) {
        assertThat(colours).as("tile colours in %s", png).contains(tile.getRGB() & 0xffffff);
      }
      double[] at = TileGame.position(TileGame.players(server.server().state()).get(me.id()));
      int[] p = TileWindow.pixel(at);
      assertThat(image.getRGB(p[0], p[1]) & 0xffffff)
          .as("the player's colour at %s in %s", java.util.Arrays.toString(p), png)
          .isEqualTo(TileWindow.YOU.getRGB() & 0xffffff);
      // The other player, from the one snapshot the window's interpolation has: where it stands.
      double[] there = TileGame.position(TileGame.players(server.server().state()).get(other.id()));
      if (Math.hypot(there[0] - at[0], there[1] - at[1]) > 1.5) {
        int[] q = TileWindow.pixel(there);
        assertThat(image.getRGB(q[0], q[1]) & 0xffffff)
            .as("the other player's colour at %s in %s", java.util.Arrays.toString(q), png)
            .isEqualTo(TileWindow.OTHERS.getRGB() & 0xffffff);
      }
    }
  }
}
