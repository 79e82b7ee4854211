package io.gamewire.transport.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: one per connection, so that
 * a connection's listener events stay ordered while a blocked listener holds up only its own
 * connection. Counts queued tasks so the transport can stop reading a socket whose events pile up.
 */
public final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  /** Tasks run before yielding the shared thread to other connections. */
  private static final int FAIR_BATCH = 64;

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final Runnable drain = this::drain;

  public SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    if (pending.getAndIncrement() == 0) {
      try {
        delegate.execute(drain);
      } catch (RejectedExecutionException e) {
        // The pool is shutting down: run here so that close events are not lost.
        drain();
      }
    }
  }

  /** Tasks queued or running. */
  public int pending() {
    return pending.get();
  }

  private void drain() {
    for (int ran = 0; ran < FAIR_BATCH; ran++) {
      Runnable task = tasks.poll();
      try {
        task.run();
      } catch (Throwable t) {
        log.warn("a listener threw; the connection goes on", t);
      }
      if (pending.decrementAndGet() == 0) {
        return;
      }
    }
    // More is queued: go to the back of the shared queue so other connections get their turn.
    try {
      delegate.execute(drain);
    } catch (RejectedExecutionException e) {
      drain();
    }
  }
}
