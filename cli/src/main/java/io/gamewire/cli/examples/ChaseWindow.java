package io.gamewire.cli.examples;

import io.gamewire.demo.ArrowKeys;
import io.gamewire.demo.GameFrame;
import io.gamewire.transport.GameClient;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.util.List;
import java.util.Map;
import javax.swing.JPanel;

/** The chase game's window: arrow keys move; green is you, red the chaser, blue the others. */
final class ChaseWindow extends JPanel {
  private static final long serialVersionUID = 1L;
  private static final int RADIUS = 10;

  private final transient GameClient client;
  private final long self;
  private final transient ArrowKeys keys = new ArrowKeys();
  private double[] position;
  private long lastFrame = System.nanoTime();

  private ChaseWindow(GameClient client, long self) {
    this.client = client;
    this.self = self;
    setPreferredSize(new Dimension((int) ChaseGame.WIDTH, (int) ChaseGame.HEIGHT));
    setBackground(Color.BLACK);
    setFocusable(true);
    addKeyListener(keys);
  }

  /** Opens the window and returns when it is closed or {@code seconds} (if positive) pass. */
  static void play(GameClient client, long self, String name, double seconds)
      throws InterruptedException {
    GameFrame.play(
        "Gamewire chase: " + name,
        () -> new ChaseWindow(client, self),
        panel -> List.of(new GameFrame.Ticker(ChaseClientCommand.MOVES_PER_SECOND, panel::frame)),
        seconds);
  }

  /** One frame: move by the keys held, send the move, repaint. */
  private void frame() {
    long now = System.nanoTime();
    double dt = (now - lastFrame) / 1e9;
    lastFrame = now;
    Map<Object, Object> players = ChaseGame.players(client.state());
    if (position == null && players.get(self) instanceof Map<?, ?> me) {
      position = ChaseBot.position(me);
    }
    if (position != null) {
      double dx = keys.dx();
      double dy = keys.dy();
      if (dx != 0 || dy != 0) {
        position[0] = ChaseGame.clamp(position[0] + dx * ChaseBot.SPEED * dt, 0, ChaseGame.WIDTH);
        position[1] = ChaseGame.clamp(position[1] + dy * ChaseBot.SPEED * dt, 0, ChaseGame.HEIGHT);
        client.dispatch("MOVE", self, List.of(position[0], position[1]));
      }
    }
    repaint();
  }

  @Override
  protected void paintComponent(Graphics g) {
    super.paintComponent(g);
    Graphics2D g2 = (Graphics2D) g;
    g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    Map<Object, Object> state = client.state();
    Object chaser = state.get("chaser_id");
    for (Map.Entry<Object, Object> e : ChaseGame.players(state).entrySet()) {
      double[] p =
          e.getKey().equals(self) && position != null
              ? position
              : ChaseBot.position((Map<?, ?>) e.getValue());
      g2.setColor(
          e.getKey().equals(chaser)
              ? Color.RED
              : e.getKey().equals(self) ? Color.GREEN : Color.BLUE);
      g2.fillOval((int) p[0] - RADIUS, (int) p[1] - RADIUS, 2 * RADIUS, 2 * RADIUS);
    }
    g2.setColor(Color.WHITE);
    g2.drawString(ChaseClientCommand.statusLine(state, self, client.latencyMillis()), 8, 16);
  }
}
