package io.gamewire.transport;

import io.gamewire.transport.internal.EventLoops;
import io.gamewire.transport.internal.ListenerThreads;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A pool of I/O threads (Netty event loops, native epoll where the platform has it) that several
 * servers and clients may share: a thousand clients in one process should not mean a thousand
 * threads. Whoever creates it closes it, after the servers and clients that use it.
 *
 * <p>Clients built on shared I/O threads without a listener executor of their own also share the
 * pool's listener threads ({@link #listenerPool}): each client's listener calls still run one at a
 * time and in order, but a listener that blocks holds up other clients' listeners (never their
 * I/O). Give such a client its own executor.
 */
public final class IoThreads implements AutoCloseable {
  private final EventLoopGroup group;
  private final int threads;
  private final String name;
  private ExecutorService listenerPool; // guarded by this
  private volatile boolean closed;

  private IoThreads(EventLoopGroup group, int threads, String name) {
    this.group = group;
    this.threads = threads;
    this.name = name;
  }

  /** A pool of {@code threads} I/O threads. */
  public static IoThreads create(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    return new IoThreads(EventLoops.newGroup(threads, name), threads, name);
  }

  /** Whether the native epoll transport is in use (else Java NIO). */
  public static boolean isNative() {
    return EventLoops.isNative();
  }

  /** The Netty group behind this pool (for Gamewire's own transports). */
  public EventLoopGroup group() {
    return group;
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * The listener threads that clients on this pool share when they have no executor of their own:
   * {@code max(2, threads)} daemon threads, made on first use and stopped by {@link #close}.
   */
  public synchronized Executor listenerPool() {
    if (closed) {
      throw new IllegalStateException("these I/O threads are closed");
    }
    if (listenerPool == null) {
      listenerPool = ListenerThreads.newPool(Math.max(2, threads), name + "-listener");
    }
    return listenerPool;
  }

  /** Stops the threads, waiting up to five seconds for them to finish. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (this) {
      if (listenerPool != null) {
        listenerPool.shutdown();
      }
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
