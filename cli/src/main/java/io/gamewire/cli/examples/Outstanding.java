package io.gamewire.cli.examples;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Counts replies a client still expects, so it can wait for the last one with a bound. */
final class Outstanding {
  private int count;
  private boolean closed;

  synchronized void expect() {
    count++;
  }

  synchronized void arrived() {
    if (count > 0) {
      count--;
    }
    notifyAll();
  }

  /** The connection closed: nothing more will arrive. */
  synchronized void closed() {
    closed = true;
    notifyAll();
  }

  synchronized int count() {
    return count;
  }

  /**
   * Waits until nothing is outstanding, the connection has closed, or {@code timeout} has passed;
   * returns how many replies are still missing.
   */
  synchronized int awaitNone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count > 0 && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return count;
  }
}
