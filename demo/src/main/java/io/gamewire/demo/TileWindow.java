package io.gamewire.demo;

import java.awt.Color;
import java.awt.Dimension;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import javax.swing.JPanel;

/**
 * The tile game's window: arrow keys walk, space breaks the crate in front. Yellow is you
 * (predicted, {@link MovePrediction}), blue the others, drawn {@value
 * PlayerInterpolation#DEFAULT_DELAY_MILLIS} ms in the past between the server's snapshots ({@link
 * PlayerInterpolation}); the HUD shows the link figures and players online. Moves go out at {@link
 * BotSwarm#STEPS_PER_SECOND}, frames are painted at {@value #FRAMES_PER_SECOND} per second.
 */
public final class TileWindow extends JPanel {
  private static final long serialVersionUID = 1L;
  static final int TILE = 12;
  static final int HUD = 36;
  static final Color[] COLORS = {
    new Color(0x3b7d3b), new Color(0x6b6b6b), new Color(0x2f5fb3), new Color(0x9a6a2f)
  };
  public static final Color YOU = Color.YELLOW;
  public static final Color OTHERS = new Color(0x8fc7ff);
  static final int FRAMES_PER_SECOND = 60;

  private final transient TileClient player;
  private final transient LinkFigures figures;
  private final transient ArrowKeys keys = new ArrowKeys(this::otherKey);
  private final transient PlayerInterpolation interpolation = PlayerInterpolation.forTileGame();
  private transient Map<Object, Object> interpolated; // the newest state given to interpolation
  private double faceX = 1;
  private double faceY;
  private long lastFrame = System.nanoTime();
  private long lastSample;

  private TileWindow(TileClient player) {
    this.player = player;
    this.figures = new LinkFigures(player.client());
    TileWorld w = player.world();
    setPreferredSize(new Dimension(w.width() * TILE, w.height() * TILE + HUD));
    setBackground(Color.BLACK);
    setFocusable(true);
    addKeyListener(keys);
  }

  /** Space breaks the tile in front. */
  private void otherKey(int code) {
    double[] p = player.position();
    if (code == KeyEvent.VK_SPACE && p != null) {
      player.breakTile((int) Math.floor(p[0] + faceX), (int) Math.floor(p[1] + faceY));
    }
  }

  /**
   * Opens the window and returns when it is closed or {@code seconds} (if positive) pass; the
   * caller then leaves the server.
   */
  public static void play(TileClient player, double seconds) throws InterruptedException {
    GameFrame.play(
        "Gamewire tile game: " + player.name(),
        () -> new TileWindow(player),
        panel ->
            List.of(
                new GameFrame.Ticker(BotSwarm.STEPS_PER_SECOND, panel::step),
                new GameFrame.Ticker(FRAMES_PER_SECOND, panel::repaint)),
        seconds);
  }

  /**
   * The window's picture as it would be painted now, without a window (works headless): for
   * screenshots and tests.
   */
  public static BufferedImage snapshot(TileClient player) {
    TileWindow panel = new TileWindow(player);
    Dimension size = panel.getPreferredSize();
    panel.setSize(size);
    BufferedImage image = new BufferedImage(size.width, size.height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      panel.figures.sample(System.nanoTime());
      panel.paintComponent(g);
    } finally {
      g.dispose();
    }
    return image;
  }

  /** The pixel at the centre of a position in tiles. */
  public static int[] pixel(double[] position) {
    return new int[] {(int) (position[0] * TILE), HUD + (int) (position[1] * TILE)};
  }

  /** One input step: walk as the keys say, sample the link figures now and then. */
  private void step() {
    long now = System.nanoTime();
    double dt = (now - lastFrame) / 1e9;
    lastFrame = now;
    double dx = keys.dx();
    double dy = keys.dy();
    if (dx != 0 || dy != 0) {
      faceX = dx;
      faceY = dy;
      player.move(dx, dy, dt);
    }
    if (now - lastSample > 250_000_000L) {
      lastSample = now;
      figures.sample(now);
    }
  }

  /** Gives a state the interpolation has not seen to it, stamped with the server's tick. */
  private void observe(long nowNanos) {
    Map<Object, Object> state = player.state();
    if (state == interpolated) {
      return;
    }
    interpolated = state;
    if (state.get("tick") instanceof Long tick) {
      interpolation.add(
          tick * (1_000_000_000L / TileGame.TICK_RATE), nowNanos, player.others(state));
    }
  }

  @Override
  protected void paintComponent(Graphics g) {
    super.paintComponent(g);
    Graphics2D g2 = (Graphics2D) g;
    TileWorld w = player.world();
    for (int y = 0; y < w.height(); y++) {
      for (int x = 0; x < w.width(); x++) {
        g2.setColor(COLORS[player.tile(x, y)]);
        g2.fillRect(x * TILE, HUD + y * TILE, TILE, TILE);
      }
    }
    g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    long now = System.nanoTime();
    observe(now);
    Map<Long, double[]> others = interpolation.at(now);
    g2.setColor(OTHERS);
    for (double[] p : others.values()) {
      dot(g2, p);
    }
    double[] me = player.position();
    if (me != null) {
      g2.setColor(YOU);
      dot(g2, me);
    }
    g2.setColor(Color.WHITE);
    g2.drawString(figures.line(), 6, 14);
    g2.drawString(
        online(TileGame.players(player.state()).size())
            + " | arrows walk, space breaks the crate in front",
        6,
        30);
  }

  static String online(int players) {
    return players + (players == 1 ? " player" : " players") + " online";
  }

  private static void dot(Graphics2D g2, double[] p) {
    int r = TILE / 2;
    g2.fillOval((int) (p[0] * TILE) - r, HUD + (int) (p[1] * TILE) - r, 2 * r, 2 * r);
  }
}
