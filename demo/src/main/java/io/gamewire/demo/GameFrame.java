package io.gamewire.demo;

import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.swing.JComponent;
import javax.swing.JFrame;
import javax.swing.SwingUtilities;
import javax.swing.Timer;

/** A game window: one panel in a frame, with tickers on the Swing thread, until it is closed. */
public final class GameFrame {
  private GameFrame() {}

  /** Runs {@code action} on the Swing thread {@code perSecond} times a second. */
  public record Ticker(int perSecond, Runnable action) {}

  /**
   * Opens a frame titled {@code title} around the panel {@code create} makes (on the Swing thread),
   * starts the panel's {@code tickers}, and returns when the window is closed or {@code seconds}
   * (if positive) pass; then the tickers stop and the frame is disposed.
   */
  public static <P extends JComponent> void play(
      String title, Supplier<P> create, Function<P, List<Ticker>> tickers, double seconds)
      throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    JFrame[] frame = new JFrame[1];
    List<Timer> timers = new ArrayList<>();
    SwingUtilities.invokeLater(
        () -> {
          P panel = create.get();
          JFrame f = new JFrame(title);
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
          for (Ticker t : tickers.apply(panel)) {
            Timer timer = new Timer(1000 / t.perSecond(), e -> t.action().run());
            timers.add(timer);
            timer.start();
          }
          frame[0] = f;
        });
    if (seconds > 0) {
      closed.await((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    } else {
      closed.await();
    }
    SwingUtilities.invokeLater(
        () -> {
          timers.forEach(Timer::stop);
          if (frame[0] != null) {
            frame[0].dispose();
          }
        });
  }
}
