package io.gamewire.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * The driver writes one output pass as many writes and one flush: that single flush is what lets
 * Netty's epoll channel hand the whole pass to the kernel in one {@code sendmmsg} (at most 1024
 * datagrams per call), so a flush per datagram would undo the batching (bench/README.md, server
 * flush).
 */
class DatagramDriverTest {
  static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40_000);

  /** Counts what reaches the channel from the driver. */
  static final class Counter extends ChannelOutboundHandlerAdapter {
    int writes;
    int flushes;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      writes++;
      ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes++;
      ctx.flush();
    }
  }

  /** An endpoint stand-in: each message or datagram handed in makes {@code fanOut} datagrams. */
  static final class FakeDriver extends DatagramDriver {
    final Queue<ByteBuf> output = new ArrayDeque<>();
    final int fanOut;
    final List<Integer> batchEnds = new ArrayList<>(); // datagrams handled at each batch end
    int handled;

    FakeDriver(int fanOut) {
      super(1024);
      this.fanOut = fanOut;
    }

    private void produce() {
      for (int i = 0; i < fanOut; i++) {
        output.add(Unpooled.buffer(8).writeLong(i));
      }
    }

    @Override
    protected void handle(long nowNanos, InetSocketAddress from, ByteBuf datagram) {
      handled++;
      produce();
    }

    @Override
    protected void readBatchEnded() {
      batchEnds.add(handled);
      output.add(Unpooled.buffer(8).writeLong(-1)); // written with the batch's output
    }

    @Override
    protected Object poll(long nowNanos) {
      ByteBuf d = output.poll();
      return d == null ? null : new DatagramPacket(d, PEER);
    }

    @Override
    protected long nextTimeoutNanos() {
      return Long.MAX_VALUE;
    }

    @Override
    protected void timeout(long nowNanos) {}

    @Override
    protected void deliver(long nowNanos, Send s) {
      produce();
    }

    boolean send() {
      return offer(new Send(0, 1, Unpooled.buffer(4).writeInt(7), null, true));
    }
  }

  @Test
  void aBroadcastFromTheIoThreadGoesOutAsOnePassWithOneFlush() {
    Counter counter = new Counter();
    FakeDriver driver = new FakeDriver(200);
    EmbeddedChannel ch = new EmbeddedChannel(counter, driver);
    try {
      assertThat(driver.send()).isTrue();
      assertThat(counter.writes).as("nothing before the flush task runs").isZero();
      ch.runPendingTasks();
      assertThat(counter.writes).isEqualTo(200);
      assertThat(counter.flushes).isEqualTo(1);
      assertThat(ch.outboundMessages()).hasSize(200);
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void severalSendsInOneTaskShareOneFlush() {
    Counter counter = new Counter();
    FakeDriver driver = new FakeDriver(50);
    EmbeddedChannel ch = new EmbeddedChannel(counter, driver);
    try {
      ch.eventLoop()
          .execute(
              () -> {
                for (int i = 0; i < 4; i++) {
                  assertThat(driver.send()).isTrue();
                }
              });
      ch.runPendingTasks();
      assertThat(counter.writes).isEqualTo(200);
      assertThat(counter.flushes).isEqualTo(1);
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void aReadBatchIsAnsweredWithOneFlushAtItsEnd() {
    Counter counter = new Counter();
    FakeDriver driver = new FakeDriver(3);
    EmbeddedChannel ch = new EmbeddedChannel(counter, driver);
    try {
      Object[] batch = new Object[40];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = new DatagramPacket(Unpooled.buffer(4).writeInt(i), PEER, PEER);
      }
      ch.writeInbound(batch); // 40 channelRead, then one channelReadComplete
      assertThat(driver.batchEnds).as("one batch end, after all 40").containsExactly(40);
      assertThat(counter.writes).as("three per datagram, and the batch end's").isEqualTo(121);
      assertThat(counter.flushes).isEqualTo(1);
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void builderSettingsOutsideTheirRangeAreRefusedWithTheirName() {
    assertThat(DatagramDriver.checkMaxQueuedSends(1)).isEqualTo(1);
    assertThat(DatagramDriver.checkMaxDatagramsPerRead(4096)).isEqualTo(4096);
    assertThat(DatagramDriver.checkMaxPendingWriteBytes(16 * 1024)).isEqualTo(16 * 1024);
    assertThatThrownBy(() -> DatagramDriver.checkMaxQueuedSends(0))
        .hasMessage("maxQueuedSends must be at least 1, was 0");
    assertThatThrownBy(() -> DatagramDriver.checkMaxDatagramsPerRead(4097))
        .hasMessage("maxDatagramsPerRead must be in 1..4096, was 4097");
    assertThatThrownBy(() -> DatagramDriver.checkMaxPendingWriteBytes(100))
        .hasMessage("maxPendingWriteBytes must be at least 16384, was 100");
  }
}
