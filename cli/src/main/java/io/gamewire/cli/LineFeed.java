package io.gamewire.cli;

import java.io.InterruptedIOException;
import java.io.Reader;

/**
 * An input a program types into, line by line, for a command reading it on another thread: what the
 * demo and the tests hand to the example clients as their standard input. Unlike a piped reader it
 * does not care which threads write and read.
 */
final class LineFeed extends Reader {
  private final StringBuilder pending = new StringBuilder();
  private boolean ended;

  /** A feed that holds {@code lines} and then ends. */
  static LineFeed of(String... lines) {
    LineFeed f = new LineFeed();
    for (String line : lines) {
      f.send(line);
    }
    f.end();
    return f;
  }

  synchronized void send(String line) {
    if (ended) {
      throw new IllegalStateException("the feed has ended");
    }
    pending.append(line).append('\n');
    notifyAll();
  }

  /** End of input: the reader sees end of file once it has read what was sent. */
  synchronized void end() {
    ended = true;
    notifyAll();
  }

  @Override
  public synchronized int read(char[] into, int off, int len) throws InterruptedIOException {
    if (len == 0) {
      return 0;
    }
    while (pending.length() == 0 && !ended) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for input");
      }
    }
    if (pending.length() == 0) {
      return -1;
    }
    int n = Math.min(len, pending.length());
    pending.getChars(0, n, into, off);
    pending.delete(0, n);
    return n;
  }

  @Override
  public void close() {
    end();
  }
}
