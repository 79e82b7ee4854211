package io.gamewire.bench.tcp;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A count of messages that arrived on some I/O thread, and one thread that waits for the count to
 * reach a target, with a deadline.
 *
 * <p>The waiter parks rather than spins: the bench machine may have two cores shared by client,
 * server and I/O threads, and a spinning waiter would steal time from the threads it waits for.
 * Publishing the waiter and target before re-reading the count (all volatile) means an arrival that
 * races with {@link #awaitAtLeast} either is seen by the waiter or unparks it.
 */
final class Arrivals {
  private final AtomicLong count = new AtomicLong();
  private volatile Thread waiter;
  private volatile long target = Long.MAX_VALUE;
  private volatile Throwable failure;

  /** Called by the receiving thread for each arrival. */
  void arrive() {
    add(1);
  }

  /** Called by the receiving thread for a batch of arrivals. */
  void add(long arrivals) {
    if (count.addAndGet(arrivals) >= target) {
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }
  }

  /** Records why no more arrivals will come, and wakes the waiter so it can report it. */
  void fail(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  long count() {
    return count.get();
  }

  /** Waits until at least {@code atLeast} arrivals have been counted. */
  void awaitAtLeast(long atLeast, long timeoutNanos, String what)
      throws IOException, TimeoutException, InterruptedException {
    if (count.get() >= atLeast) {
      return;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    waiter = Thread.currentThread();
    target = atLeast;
    try {
      long seen;
      while ((seen = count.get()) < atLeast) {
        Throwable cause = failure;
        if (cause != null) {
          throw new IOException(what + " failed after " + seen + " arrivals", cause);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException(what + " timed out: " + seen + " of " + atLeast + " arrived");
        }
        LockSupport.parkNanos(this, left);
        if (Thread.interrupted()) {
          throw new InterruptedException(what + " interrupted");
        }
      }
    } finally {
      target = Long.MAX_VALUE;
      waiter = null;
    }
  }
}
