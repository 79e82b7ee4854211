package io.gamewire.bench.tcp;

import java.io.IOException;
import org.HdrHistogram.Histogram;

/**
 * One TCP stack under test: a server and one connected client in this JVM, on 127.0.0.1.
 *
 * <p>The harness drives every peer through the same calls in the same order: {@link #start()},
 * {@link #pingPong}, {@link #oneWay}, {@link #close()}. Calls come from one thread. Every wait
 * inside a peer is bounded by the timeout the peer was built with and ends in an exception, never
 * in a hang. {@link #close()} is idempotent and releases every thread and socket the peer opened,
 * so peers can run one after another in one JVM.
 *
 * <p>To compare another stack, implement this interface and add it to {@link TcpHarness#PEERS}.
 */
public interface TcpPeer extends AutoCloseable {

  /** The largest payload a peer must carry; larger sizes are a caller error. */
  int MAX_PAYLOAD_BYTES = 64 * 1024;

  /** A short, stable name used in tables and JSON, e.g. {@code raw-nio}. */
  String name();

  /** Starts a server on 127.0.0.1 (ephemeral port) and one client connected to it. */
  void start() throws Exception;

  /**
   * Round-trip latency. The client sends a payload of {@code size} bytes, the server echoes it and
   * the client waits for the echo before sending the next one. The first {@code warmup} round trips
   * are not recorded; the next {@code count} are recorded in {@code rttNanos}.
   */
  void pingPong(int size, int warmup, int count, Histogram rttNanos) throws Exception;

  /**
   * One-way throughput. The client sends {@code count} messages of {@code size} bytes as fast as
   * the stack lets it; returns once the server has received all of them. The caller times it.
   */
  void oneWay(int size, int count) throws Exception;

  /**
   * Stops server and client and releases their threads and sockets. Idempotent. Throws when a
   * thread the peer started is still running afterwards.
   */
  @Override
  void close() throws IOException;

  /** Fails fast on a size the peers are not built for. */
  static void checkPayloadSize(int size) {
    if (size < 1 || size > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "payload size " + size + " is outside 1.." + MAX_PAYLOAD_BYTES + " bytes");
    }
  }
}
