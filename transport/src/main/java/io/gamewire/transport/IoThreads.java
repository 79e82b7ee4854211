package io.gamewire.transport;

import io.gamewire.transport.internal.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * A pool of I/O threads (Netty event loops, native epoll where the platform has it) that several
 * servers and clients may share: a thousand clients in one process should not mean a thousand
 * threads. Whoever creates it closes it, after the servers and clients that use it.
 */
public final class IoThreads implements AutoCloseable {
  private final EventLoopGroup group;
  private volatile boolean closed;

  private IoThreads(EventLoopGroup group) {
    this.group = group;
  }

  /** A pool of {@code threads} I/O threads. */
  public static IoThreads create(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    return new IoThreads(EventLoops.newGroup(threads, name));
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

  /** Stops the threads, waiting up to five seconds for them to finish. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
