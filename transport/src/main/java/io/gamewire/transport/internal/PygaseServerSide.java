package io.gamewire.transport.internal;

import io.gamewire.protocol.pygase.PygaseCodec;
import io.gamewire.protocol.pygase.PygaseConfig;
import io.gamewire.protocol.pygase.PygaseEvent;
import io.gamewire.protocol.pygase.PygaseServerEndpoint;
import io.gamewire.protocol.pygase.PygaseStateSource;
import io.gamewire.protocol.pygase.PygaseWire;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.transport.SideProtocol;
import io.gamewire.transport.SideSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PyGaSe 0.3.1 profile of a game server, sharing a realtime server's UDP socket
 * (docs/PYGASE.md): it claims datagrams that start with the PyGaSe protocol id {@code ff d0 fa b9}
 * or are exactly {@code shutdown}, and drives a {@link PygaseServerEndpoint} on the socket's event
 * loop, with one timer re-armed to the endpoint's next deadline. Each batch of packages goes out as
 * writes with one flush.
 *
 * <p>The {@link PygaseStateSource} is called on the I/O thread and must not block. Listener calls
 * and event callbacks run on the given executor, in order (or on the I/O thread when it is null).
 * {@link #dispatch} and {@link #dispatchToAll} may be called from any thread.
 */
public final class PygaseServerSide implements SideProtocol {
  private static final Logger log = LoggerFactory.getLogger(PygaseServerSide.class);

  /** The shortest timer wait, as in {@link DatagramDriver}. */
  static final long MIN_TIMER_NANOS = 1_000_000L;

  private static final ThreadLocal<PygaseCodec> CHECKER = ThreadLocal.withInitial(PygaseCodec::new);

  private final PygaseConfig config;
  private final PygaseStateSource source;
  private final PygaseServerEndpoint.Listener listener;
  private final Executor listenerExecutor;
  private final Runnable timerTask = this::onTimer;
  private PygaseServerEndpoint endpoint;
  private volatile SideSocket socket;
  private ScheduledFuture<?> timer;
  private long timerDeadline = Long.MAX_VALUE;

  /**
   * @param listenerExecutor where listener calls and callbacks run, in order; null runs them on the
   *     I/O thread, where they must not block
   */
  public PygaseServerSide(
      PygaseConfig config,
      PygaseStateSource source,
      PygaseServerEndpoint.Listener listener,
      Executor listenerExecutor) {
    this.config = Objects.requireNonNull(config, "config");
    this.source = Objects.requireNonNull(source, "source");
    Objects.requireNonNull(listener, "listener");
    this.listenerExecutor = listenerExecutor == null ? null : new SerialExecutor(listenerExecutor);
    this.listener = this.listenerExecutor == null ? listener : handOff(listener);
  }

  @Override
  public boolean claims(ByteBuf datagram) {
    return PygaseWire.claims(datagram);
  }

  @Override
  public int maxDatagramBytes() {
    return PygaseWire.MAX_PACKAGE_BYTES;
  }

  @Override
  public void onAttach(SideSocket socket) {
    this.endpoint =
        new PygaseServerEndpoint(config, source, PooledByteBufAllocator.DEFAULT, listener);
    this.socket = socket;
  }

  @Override
  public void onDatagram(InetSocketAddress from, ByteBuf datagram) {
    PygaseServerEndpoint ep = endpoint;
    if (ep == null || socket == null) {
      return;
    }
    int before = ep.clientCount();
    ep.handleDatagram(System.nanoTime(), from, datagram);
    // A package only moves deadlines later (acks, the silence timer), so the armed timer stays
    // right and a datagram costs no scan over every client; a new client wants its first package.
    if (ep.clientCount() != before) {
      flushOutput();
    }
  }

  @Override
  public void onDetach() {
    SideSocket s = socket;
    socket = null;
    cancelTimer();
    if (s != null && endpoint != null) {
      endpoint.close(); // waiting events time out
    }
  }

  // ------------------------------------------------------------------ any thread

  /**
   * Queues an event for one client. Returns false if the side is not attached (the socket attaches
   * side protocols on its event loop, just after it is bound); if the client is gone or its queue
   * is full when the loop gets to it, {@code callbacks} time out. An event outside the state model
   * or too large throws {@link IllegalArgumentException} here.
   */
  public boolean dispatch(int clientId, PygaseEvent event, MessageCallbacks callbacks) {
    CHECKER.get().encodeEvent(event);
    MessageCallbacks cb = onExecutor(callbacks);
    return onLoop(
        () -> {
          if (!endpoint.dispatch(clientId, event, cb) && cb != null) {
            cb.onTimedOut();
          }
        });
  }

  /** Queues an event for every client; see {@link #dispatch}. */
  public boolean dispatchToAll(PygaseEvent event) {
    CHECKER.get().encodeEvent(event);
    return onLoop(() -> endpoint.dispatchToAll(event, null));
  }

  /** Clients connected now, read on the loop; -1 if detached. */
  public int clientCount() {
    SideSocket s = socket;
    if (s == null) {
      return -1;
    }
    try {
      return s.loop().submit(() -> endpoint.clientCount()).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return -1;
    }
  }

  private boolean onLoop(Runnable task) {
    SideSocket s = socket;
    if (s == null) {
      return false;
    }
    EventLoop loop = s.loop();
    Runnable run =
        () -> {
          if (socket != null) {
            task.run();
            flushOutput();
          }
        };
    if (loop.inEventLoop()) {
      run.run();
      return true;
    }
    try {
      loop.execute(run);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ loop

  private void flushOutput() {
    SideSocket s = socket;
    if (s == null) {
      return;
    }
    long now = System.nanoTime();
    boolean wrote = false;
    PygaseServerEndpoint.Outgoing o;
    while ((o = endpoint.pollDatagram(now)) != null) {
      s.write(o.to(), o.bytes());
      wrote = true;
    }
    if (wrote) {
      s.flush();
    }
    armTimer(s, now);
  }

  private void armTimer(SideSocket s, long now) {
    long deadline = endpoint.nextTimeoutNanos();
    if (deadline == Long.MAX_VALUE) {
      return;
    }
    if (deadline - now < MIN_TIMER_NANOS) {
      deadline = now + MIN_TIMER_NANOS;
    }
    if (timer != null && timerDeadline - deadline <= 0) {
      return;
    }
    cancelTimer();
    timerDeadline = deadline;
    timer = s.loop().schedule(timerTask, deadline - now, TimeUnit.NANOSECONDS);
  }

  private void onTimer() {
    timer = null;
    timerDeadline = Long.MAX_VALUE;
    if (socket == null) {
      return;
    }
    try {
      endpoint.handleTimeout(System.nanoTime());
    } catch (RuntimeException e) {
      log.warn("PyGaSe endpoint failed in its timer", e);
    }
    flushOutput();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
      timerDeadline = Long.MAX_VALUE;
    }
  }

  // ------------------------------------------------------------------ hand-off

  private MessageCallbacks onExecutor(MessageCallbacks cb) {
    if (cb == null || listenerExecutor == null) {
      return cb;
    }
    return new MessageCallbacks() {
      @Override
      public void onAcked() {
        listenerExecutor.execute(cb::onAcked);
      }

      @Override
      public void onTimedOut() {
        listenerExecutor.execute(cb::onTimedOut);
      }
    };
  }

  private PygaseServerEndpoint.Listener handOff(PygaseServerEndpoint.Listener l) {
    Executor x = listenerExecutor;
    return new PygaseServerEndpoint.Listener() {
      @Override
      public void onClientJoined(int clientId, InetSocketAddress address, boolean host) {
        x.execute(() -> l.onClientJoined(clientId, address, host));
      }

      @Override
      public void onEvent(int clientId, PygaseEvent event) {
        x.execute(() -> l.onEvent(clientId, event));
      }

      @Override
      public void onClientLeft(int clientId) {
        x.execute(() -> l.onClientLeft(clientId));
      }

      @Override
      public void onShutdownRequested(int hostClientId) {
        x.execute(() -> l.onShutdownRequested(hostClientId));
      }
    };
  }
}
