package io.gamewire.transport.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Chooses the I/O implementation once per process: native epoll when it loads (Linux), Java NIO
 * otherwise. Set {@code -Dgamewire.transport=nio} to force NIO.
 */
public final class EventLoops {
  private static final boolean NATIVE =
      !"nio".equalsIgnoreCase(System.getProperty("gamewire.transport")) && Epoll.isAvailable();

  private EventLoops() {}

  public static boolean isNative() {
    return NATIVE;
  }

  public static EventLoopGroup newGroup(int threads, String name) {
    DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
    return new MultiThreadIoEventLoopGroup(
        threads, factory, NATIVE ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  public static Class<? extends ServerChannel> serverSocketChannel() {
    return NATIVE ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public static Class<? extends SocketChannel> socketChannel() {
    return NATIVE ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  public static Class<? extends DatagramChannel> datagramChannel() {
    return NATIVE ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }
}
