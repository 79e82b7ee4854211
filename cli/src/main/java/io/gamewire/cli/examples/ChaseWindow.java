package io.gamewire.cli.examples;

import io.gamewire.transport.GameClient;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.event.KeyAdapter;
import java.awt.event.KeyEvent;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.swing.JFrame;
import javax.swing.JPanel;
import javax.swing.SwingUtilities;
import javax.swing.Timer;

/** The chase game's window: arrow keys move; green is you, red the chaser, blue the others. */
final class ChaseWindow extends JPanel {
  private static final long serialVersionUID = 1L;
  private static final int RADIUS = 10;

  private final transient GameClient client;
  private final long self;
  private final boolean[] keys = new boolean[4]; // left, right, up, down
  private double[] position;
  private long lastFrame = System.nanoTime();

  private ChaseWindow(GameClient client, long self) {
    this.client = client;
    this.self = self;
    setPreferredSize(new Dimension((int) ChaseGame.WIDTH, (int) ChaseGame.HEIGHT));
    setBackground(Color.BLACK);
    setFocusable(true);
    addKeyListener(
        new KeyAdapter() {
          @Override
          public void keyPressed(KeyEvent e) {
            key(e.getKeyCode(), true);
          }

          @Override
          public void keyReleased(KeyEvent e) {
            key(e.getKeyCode(), false);
          }
        });
  }

  private void key(int code, boolean down) {
    switch (code) {
      case KeyEvent.VK_LEFT -> keys[0] = down;
      case KeyEvent.VK_RIGHT -> keys[1] = down;
      case KeyEvent.VK_UP -> keys[2] = down;
      case KeyEvent.VK_DOWN -> keys[3] = down;
      default -> {}
    }
  }

  /** Opens the window and returns when it is closed or {@code seconds} (if positive) pass. */
  static void play(GameClient client, long self, String name, double seconds)
      throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    JFrame[] frame = new JFrame[1];
    SwingUtilities.invokeLater(
        () -> {
          ChaseWindow panel = new ChaseWindow(client, self);
          JFrame f = new JFrame("Gamewire chase: " + name);
          f.setDefaultCloseOperation(JFrame.DISPOSE_ON_CLOSE);
          f.addWindowListener(
              new WindowAdapter() {
                @Override
                public void windowClosed(WindowEvent e) {
                  closed.countDown();
                }
              });
          f.add(panel);
          f.pack();
          f.setResizable(false);
          f.setVisible(true);
          panel.requestFocusInWindow();
          new Timer(1000 / ChaseClientCommand.MOVES_PER_SECOND, e -> panel.frame()).start();
          frame[0] = f;
        });
    if (seconds > 0) {
      closed.await((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    } else {
      closed.await();
    }
    SwingUtilities.invokeLater(
        () -> {
          if (frame[0] != null) {
            frame[0].dispose();
          }
        });
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
      double dx = (keys[1] ? 1 : 0) - (keys[0] ? 1 : 0);
      double dy = (keys[3] ? 1 : 0) - (keys[2] ? 1 : 0);
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
