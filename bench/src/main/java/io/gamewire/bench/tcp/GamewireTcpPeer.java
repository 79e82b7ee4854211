package io.gamewire.bench.tcp;

import io.gamewire.cli.bench.GamewireTcpBench;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * Gamewire's {@code PacketServer} and {@code PacketClient}, driven by the same code as {@code
 * gamewire bench tcp} ({@link GamewireTcpBench}, which says exactly what is timed).
 *
 * <p>In short: listeners run on the I/O threads; the client's I/O thread times each round trip from
 * just before it sends a ping to the arrival of the pong in its handler, and sends the next ping
 * from there. One-way messages are sent by the harness thread with {@code client.send} in a loop,
 * yielding while the connection reports it is not writable, and counted by the server's handler.
 */
final class GamewireTcpPeer implements TcpPeer {
  private final Duration timeout;
  private final GamewireTcpBench bench = new GamewireTcpBench();

  GamewireTcpPeer(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return "gamewire";
  }

  @Override
  public void start() throws Exception {
    bench.start();
  }

  @Override
  public void pingPong(int size, int warmup, int count, Histogram rttNanos) throws Exception {
    TcpPeer.checkPayloadSize(size);
    long deadline = System.nanoTime() + timeout.toNanos();
    long warmed = bench.pingPong(size, warmup, deadline, new Histogram(3));
    long recorded = bench.pingPong(size, count, deadline, rttNanos);
    if (warmed < warmup || recorded < count) {
      throw new TimeoutException(
          "ping-pong did not finish within "
              + timeout.toSeconds()
              + " s: "
              + warmed
              + " warm-up and "
              + recorded
              + " recorded round trips");
    }
  }

  @Override
  public void oneWay(int size, int count) throws Exception {
    TcpPeer.checkPayloadSize(size);
    bench.oneWay(size, count, System.nanoTime() + timeout.toNanos());
  }

  @Override
  public void close() throws IOException {
    bench.close();
  }
}
