package io.gamewire.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * The receive allocator of the realtime sockets: fixed-size buffers, and read batches that stop
 * after one datagram while the traffic is sparse.
 *
 * <p>Netty's datagram read loop reads until the socket is empty or the batch limit is reached. A
 * socket that receives one datagram at a time (a ping-pong, a client getting one update per tick)
 * therefore pays a second {@code recvmsg} that fails with {@code EAGAIN} for every datagram, and
 * the batch's output (the reply) waits behind that empty read. Both event loops Gamewire runs poll
 * level-triggered (Netty 4.2's epoll dropped edge-triggered mode: {@code EPOLL_MODE} is a no-op and
 * channels register without {@code EPOLLET}; NIO's selector always was), so a batch may stop with
 * datagrams left in the socket: the next poll reports it again at once.
 *
 * <p>The rule, per socket: a batch that found the socket empty after at most one datagram makes the
 * socket sparse, and a sparse socket's batches read one datagram and stop without the empty read.
 * Every {@link #PROBE_EVERY}-th sparse batch reads up to the full limit instead; when it finds more
 * than one datagram the socket is dense again and reads full batches until one finds a datagram
 * alone. A dense stream thus costs at most {@code PROBE_EVERY} single-datagram batches before it is
 * read in full batches, and a sparse one an empty read every {@code PROBE_EVERY} datagrams instead
 * of every one.
 */
public final class ReadBatchAllocator extends FixedRecvByteBufAllocator {
  /** Sparse batches per probe batch (one that reads until the socket is empty). */
  static final int PROBE_EVERY = 16;

  public ReadBatchAllocator(int datagramBytes, int maxDatagramsPerRead) {
    super(datagramBytes);
    maxMessagesPerRead(maxDatagramsPerRead);
  }

  @Override
  public Handle newHandle() {
    return new Batch((ExtendedHandle) super.newHandle());
  }

  /** One socket's read batches; Netty keeps one per channel and uses it on the event loop only. */
  static final class Batch implements ExtendedHandle {
    private final ExtendedHandle delegate;
    private boolean sparse;
    private int sparseBatches;
    private boolean probing; // this batch reads until the socket is empty
    private int readInBatch;
    private boolean stoppedEarly; // this batch stopped after one datagram without an empty read

    Batch(ExtendedHandle delegate) {
      this.delegate = delegate;
    }

    /** Whether the next batches stop after one datagram (tests). */
    boolean sparse() {
      return sparse;
    }

    @Override
    public void reset(ChannelConfig config) {
      delegate.reset(config);
      readInBatch = 0;
      stoppedEarly = false;
      probing = !sparse || ++sparseBatches % PROBE_EVERY == 0;
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return !stopsHere() && delegate.continueReading(maybeMoreDataSupplier);
    }

    @Override
    public boolean continueReading() {
      return !stopsHere() && delegate.continueReading();
    }

    private boolean stopsHere() {
      if (!probing && readInBatch >= 1) {
        stoppedEarly = true;
        return true;
      }
      return false;
    }

    @Override
    public void incMessagesRead(int numMessages) {
      readInBatch += numMessages;
      delegate.incMessagesRead(numMessages);
    }

    @Override
    public void readComplete() {
      delegate.readComplete();
      if (!stoppedEarly) {
        // The batch read until the socket was empty (or up to the full limit): that decides.
        sparse = readInBatch <= 1;
      }
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      return delegate.allocate(alloc);
    }

    @Override
    public int guess() {
      return delegate.guess();
    }

    @Override
    public void lastBytesRead(int bytes) {
      delegate.lastBytesRead(bytes);
    }

    @Override
    public int lastBytesRead() {
      return delegate.lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      delegate.attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
      return delegate.attemptedBytesRead();
    }
  }
}
