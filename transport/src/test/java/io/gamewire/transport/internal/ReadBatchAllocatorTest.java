package io.gamewire.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator.ExtendedHandle;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.UncheckedBooleanSupplier;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sparse socket's read batches stop after one datagram, without the read that finds the socket
 * empty; a dense one is read in full batches; and on real sockets a batch that stops early leaves
 * nothing behind (the event loops poll level-triggered).
 */
class ReadBatchAllocatorTest {
  static final int LIMIT = 64;

  /** A socket with {@code waiting} datagrams, read the way Netty's datagram read loop reads. */
  static final class FakeSocket {
    final ExtendedHandle handle;
    final ChannelConfig config;
    int waiting;
    int recvCalls; // every call, including those that find the socket empty
    int emptyReads;

    FakeSocket(ReadBatchAllocator allocator, ChannelConfig config) {
      this.handle = (ExtendedHandle) allocator.newHandle();
      this.config = config;
    }

    /** One read batch (one readiness report of the poll); the datagrams it read. */
    int readBatch() {
      handle.reset(config);
      int got = 0;
      do {
        ByteBuf b = handle.allocate(PooledByteBufAllocator.DEFAULT);
        try {
          handle.attemptedBytesRead(b.writableBytes());
          recvCalls++;
          if (waiting == 0) {
            emptyReads++;
            handle.lastBytesRead(-1);
            break;
          }
          waiting--;
          handle.lastBytesRead(32);
          handle.incMessagesRead(1);
          got++;
        } finally {
          b.release();
        }
      } while (handle.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER));
      handle.readComplete();
      return got;
    }
  }

  private static FakeSocket socket() {
    return new FakeSocket(new ReadBatchAllocator(1264, LIMIT), new EmbeddedChannel().config());
  }

  @Test
  void aSocketReceivingOneDatagramAtATimeSkipsTheEmptyReadExceptInProbes() {
    FakeSocket s = socket();
    int batches = 10 * ReadBatchAllocator.PROBE_EVERY;
    for (int i = 0; i < batches; i++) {
      s.waiting = 1;
      assertThat(s.readBatch()).isEqualTo(1);
    }
    // The first batch learns that the socket is sparse; after that one probe per PROBE_EVERY.
    assertThat(s.emptyReads).isEqualTo(1 + (batches - 1) / ReadBatchAllocator.PROBE_EVERY);
    assertThat(s.recvCalls).isEqualTo(batches + s.emptyReads);
  }

  @Test
  void aProbeThatFindsSeveralDatagramsMakesTheSocketDenseAgain() {
    FakeSocket s = socket();
    s.waiting = 1;
    s.readBatch(); // sparse from now on
    assertThat(((ReadBatchAllocator.Batch) s.handle).sparse()).isTrue();

    s.waiting = 100;
    int batchesBeforeFull = 0;
    int got;
    while ((got = s.readBatch()) == 1) {
      batchesBeforeFull++;
    }
    assertThat(batchesBeforeFull).isLessThan(ReadBatchAllocator.PROBE_EVERY);
    assertThat(got).isGreaterThan(1);
    assertThat(((ReadBatchAllocator.Batch) s.handle).sparse()).isFalse();

    s.waiting = 5;
    int recvBefore = s.recvCalls;
    assertThat(s.readBatch())
        .as("a dense socket reads the whole backlog in one batch")
        .isEqualTo(5);
    assertThat(s.recvCalls - recvBefore).as("five datagrams and the empty read").isEqualTo(6);
  }

  @Test
  void aDenseBatchStillStopsAtTheLimit() {
    FakeSocket s = socket();
    s.waiting = 3 * LIMIT;
    assertThat(s.readBatch()).isEqualTo(LIMIT);
    assertThat(s.readBatch()).isEqualTo(LIMIT);
    assertThat(((ReadBatchAllocator.Batch) s.handle).sparse()).isFalse();
  }

  @Test
  void aDenseSocketTurnsSparseWhenABatchFindsOneDatagramAlone() {
    FakeSocket s = socket();
    s.waiting = 10;
    s.readBatch();
    assertThat(((ReadBatchAllocator.Batch) s.handle).sparse()).isFalse();
    s.waiting = 1;
    s.readBatch();
    assertThat(((ReadBatchAllocator.Batch) s.handle).sparse()).isTrue();
    s.waiting = 1;
    int recvBefore = s.recvCalls;
    s.readBatch();
    assertThat(s.recvCalls - recvBefore).as("no empty read").isEqualTo(1);
  }

  @Test
  void epollIsLevelTriggeredInThisNettySoStoppingEarlyIsSafe() {
    // Netty 4.2 no longer supports edge-triggered epoll: the option is accepted and ignored. If a
    // future Netty brought EPOLLET back, a batch that stops early could leave datagrams unread
    // until the next one arrives; this test is the alarm.
    Assumptions.assumeTrue(Epoll.isAvailable(), "native epoll not available here");
    EpollDatagramChannel ch = new EpollDatagramChannel();
    try {
      ch.config().setOption(EpollChannelOption.EPOLL_MODE, EpollMode.EDGE_TRIGGERED);
      assertThat(ch.config().getOption(EpollChannelOption.EPOLL_MODE))
          .isEqualTo(EpollMode.LEVEL_TRIGGERED);
    } finally {
      ch.unsafe().closeForcibly();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "nio"})
  void aBurstAfterSparseTrafficIsReadCompletely(String transport) throws Exception {
    boolean epoll = transport.equals("epoll");
    if (epoll) {
      Assumptions.assumeTrue(Epoll.isAvailable(), "native epoll not available here");
    }
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    AtomicInteger received = new AtomicInteger();
    try {
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
              .option(ChannelOption.RCVBUF_ALLOCATOR, new ReadBatchAllocator(1264, LIMIT))
              .option(ChannelOption.SO_RCVBUF, 1 << 20)
              .handler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      ((DatagramPacket) msg).release();
                      received.incrementAndGet();
                    }
                  })
              .bind(new InetSocketAddress("127.0.0.1", 0))
              .sync()
              .channel();
      InetSocketAddress to = (InetSocketAddress) ch.localAddress();
      try (DatagramChannel sender = DatagramChannel.open()) {
        ByteBuffer payload = ByteBuffer.allocate(32);
        // One at a time, each awaited: the socket turns sparse.
        for (int i = 1; i <= 40; i++) {
          sender.send(payload.clear(), to);
          int expected = i;
          await()
              .pollInterval(Duration.ofMillis(1))
              .atMost(Duration.ofSeconds(10))
              .until(() -> received.get() == expected);
        }
        // Then a burst, sent without waiting: every datagram must be read without further sends.
        for (int i = 0; i < 500; i++) {
          sender.send(payload.clear(), to);
        }
        await()
            .pollInterval(Duration.ofMillis(1))
            .atMost(Duration.ofSeconds(10))
            .until(() -> received.get() == 540);
      } finally {
        ch.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
