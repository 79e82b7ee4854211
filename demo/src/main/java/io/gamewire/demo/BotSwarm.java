package io.gamewire.demo;

import io.gamewire.transport.IoThreads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * Bots on shared I/O threads, all stepped by one thread at {@link #STEPS_PER_SECOND}. Modes rotate
 * wander, chase, break.
 */
public final class BotSwarm implements AutoCloseable {
  public static final int STEPS_PER_SECOND = 20;

  private final IoThreads threads;
  private final List<TileBot> bots = new CopyOnWriteArrayList<>();
  private final Thread stepper;
  private volatile boolean closed;
  private volatile boolean paused;

  private BotSwarm() {
    threads = IoThreads.create(2, "gamewire-bots");
    stepper = new Thread(this::run, "gamewire-bot-steps");
    stepper.setDaemon(true);
  }

  /**
   * Joins {@code count} bots named {@code prefix0..} to {@code server}, one after the other, and
   * starts stepping them.
   *
   * @throws IOException when a bot cannot join (the swarm is closed)
   */
  public static BotSwarm join(InetSocketAddress server, int count, String prefix, long seed)
      throws IOException {
    return join(TileClient.direct(server), count, prefix, seed);
  }

  /** {@link #join(InetSocketAddress, int, String, long)} through a dialer (by name, say). */
  public static BotSwarm join(TileClient.Dialer dialer, int count, String prefix, long seed)
      throws IOException {
    BotSwarm swarm = new BotSwarm();
    try {
      TileBot.Mode[] modes = TileBot.Mode.values();
      for (int i = 0; i < count; i++) {
        TileClient c = TileClient.join(dialer, prefix + i, swarm.threads);
        swarm.bots.add(new TileBot(c, modes[i % modes.length], seed + i));
      }
    } catch (IOException | RuntimeException e) {
      swarm.close();
      throw e;
    }
    swarm.stepper.start();
    return swarm;
  }

  public List<TileBot> bots() {
    return List.copyOf(bots);
  }

  /** Bots still connected. */
  public int connected() {
    int n = 0;
    for (TileBot b : bots) {
      if (b.player().isConnected()) {
        n++;
      }
    }
    return n;
  }

  private void run() {
    long period = 1_000_000_000L / STEPS_PER_SECOND;
    long last = System.nanoTime();
    long next = last;
    while (!closed) {
      long now = System.nanoTime();
      double dt = (now - last) / 1e9;
      last = now;
      if (!paused) {
        for (TileBot b : bots) {
          b.step(dt, now);
        }
      }
      next += period;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(this, wait);
      } else {
        next = System.nanoTime();
      }
    }
  }

  /** Stops or restarts stepping the bots; they stay connected. */
  public void pause(boolean pause) {
    paused = pause;
  }

  /** Every bot leaves, then the I/O threads stop. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(stepper);
    try {
      stepper.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (TileBot b : bots) {
      b.player().close();
    }
    threads.close();
  }
}
