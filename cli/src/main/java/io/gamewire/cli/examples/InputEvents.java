package io.gamewire.cli.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What an example client waits for, in one queue: lines from its input (read on a daemon thread,
 * since a read from standard input cannot be interrupted), the end of input, and the connection
 * closing. The client's main thread takes events one at a time, so it can stop as soon as the
 * server goes away even while the user has not typed anything.
 */
final class InputEvents {
  sealed interface Event permits Line, EndOfInput, Closed {}

  record Line(String text) implements Event {}

  record EndOfInput() implements Event {}

  record Closed(String reason, boolean byPeer) implements Event {}

  private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();

  private InputEvents() {}

  /** Starts reading {@code in} line by line on a daemon thread. */
  static InputEvents readLines(Reader in, String threadName) {
    InputEvents events = new InputEvents();
    Thread t =
        new Thread(
            () -> {
              BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
              try {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  events.queue.add(new Line(line));
                }
              } catch (IOException e) {
                // A broken input ends it like end of file does.
              }
              events.queue.add(new EndOfInput());
            },
            threadName);
    t.setDaemon(true);
    t.start();
    return events;
  }

  void closed(String reason, boolean byPeer) {
    queue.add(new Closed(reason, byPeer));
  }

  Event take() throws InterruptedException {
    return queue.take();
  }

  /** The next event, or null if none comes within {@code timeout}. */
  Event poll(java.time.Duration timeout) throws InterruptedException {
    return queue.poll(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
  }
}
