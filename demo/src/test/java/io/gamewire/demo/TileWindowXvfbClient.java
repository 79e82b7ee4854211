package io.gamewire.demo;

import java.awt.Frame;
import java.awt.Point;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.image.BufferedImage;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import javax.swing.JFrame;
import javax.swing.SwingUtilities;

/**
 * The child JVM of {@link TileWindowXvfbTest}: joins the server at {@code args[0]:args[1]} as
 * {@code args[2]}, opens the real {@link TileWindow} on {@code $DISPLAY}, screenshots the window
 * with {@link Robot} into {@code args[3]} (PNG) and prints, one per line, {@code id <client id>},
 * {@code origin <x> <y>} (the tile panel's top-left corner in the PNG) and {@code player <x> <y>}
 * (the player's pixel in the PNG, computed as {@link TileWindow} draws it). Exits 0 on success, 2
 * when a step does not happen within its bound.
 */
public final class TileWindowXvfbClient {
  private static final long STEP_MILLIS = 20_000;

  private TileWindowXvfbClient() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
    File png = new File(args[3]);
    try (TileClient me = TileClient.join(server, args[2], null)) {
      long deadline = System.currentTimeMillis() + STEP_MILLIS;
      while (me.position() == null) {
        require(deadline, "the player's first state");
        Thread.sleep(20);
      }
      Thread window =
          new Thread(
              () -> {
                try {
                  TileWindow.play(me, 0);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "tile-window");
      window.setDaemon(true);
      window.start();

      deadline = System.currentTimeMillis() + STEP_MILLIS;
      JFrame frame;
      while ((frame = showingFrame()) == null) {
        require(deadline, "the window to show");
        Thread.sleep(20);
      }
      Robot robot = new Robot();
      TileWindow panel = panelOf(frame);
      BufferedImage shot;
      Point origin;
      // Wait (bounded) until the window has painted at least once: more than one colour on screen.
      deadline = System.currentTimeMillis() + STEP_MILLIS;
      while (true) {
        robot.waitForIdle();
        Rectangle bounds = onEdt(frame::getBounds);
        Point frameAt = onEdt(frame::getLocationOnScreen);
        Point panelAt = onEdt(panel::getLocationOnScreen);
        bounds.setLocation(frameAt);
        shot = robot.createScreenCapture(bounds);
        origin = new Point(panelAt.x - frameAt.x, panelAt.y - frameAt.y);
        if (colours(shot) > 2) {
          break;
        }
        require(deadline, "the window to paint");
        Thread.sleep(50);
      }
      File dir = png.getAbsoluteFile().getParentFile();
      if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
        throw new IllegalStateException("cannot create " + dir);
      }
      ImageIO.write(shot, "png", png);
      int[] at = TileWindow.pixel(me.position());
      System.out.println("id " + me.id());
      System.out.println("origin " + origin.x + " " + origin.y);
      System.out.println("player " + (origin.x + at[0]) + " " + (origin.y + at[1]));
      System.out.flush();
      JFrame f = frame;
      SwingUtilities.invokeAndWait(f::dispose);
    }
    System.exit(0);
  }

  private static void require(long deadline, String what) {
    if (System.currentTimeMillis() > deadline) {
      System.out.println("timed out waiting for " + what);
      System.out.flush();
      System.exit(2);
    }
  }

  private static JFrame showingFrame() throws Exception {
    return onEdt(
        () -> {
          for (Frame f : Frame.getFrames()) {
            if (f instanceof JFrame j && j.isShowing() && panelOf(j) != null) {
              return panelOf(j).isShowing() ? j : null;
            }
          }
          return null;
        });
  }

  private static TileWindow panelOf(JFrame frame) {
    for (java.awt.Component c : frame.getContentPane().getComponents()) {
      if (c instanceof TileWindow w) {
        return w;
      }
    }
    return null;
  }

  private static int colours(BufferedImage image) {
    Set<Integer> seen = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 4) {
      for (int x = 0; x < image.getWidth(); x += 4) {
        seen.add(image.getRGB(x, y) & 0xffffff);
      }
    }
    return seen.size();
  }

  private static <T> T onEdt(java.util.concurrent.Callable<T> task) throws Exception {
    AtomicReference<T> out = new AtomicReference<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    SwingUtilities.invokeAndWait(
        () -> {
          try {
            out.set(task.call());
          } catch (Exception e) {
            failed.set(e);
          }
        });
    if (failed.get() != null) {
      throw failed.get();
    }
    return out.get();
  }
}
