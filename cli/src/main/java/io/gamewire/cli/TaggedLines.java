package io.gamewire.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A writer that passes whole lines on to {@code target} with a tag in front ({@code chat-server |
 * ...}), so several commands can share one output readably, and keeps the lines so the demo can
 * wait until one of them has said something.
 */
final class TaggedLines extends Writer {
  static final int TAG_WIDTH = 11;

  private final String prefix;
  private final PrintWriter target;
  private final StringBuilder partial = new StringBuilder();
  private final List<String> lines = new ArrayList<>();

  TaggedLines(String tag, PrintWriter target) {
    this.prefix = String.format("%-" + TAG_WIDTH + "s | ", tag);
    this.target = target;
  }

  @Override
  public synchronized void write(char[] chars, int off, int len) {
    for (int i = off; i < off + len; i++) {
      char c = chars[i];
      if (c == '\n') {
        emit();
      } else if (c != '\r') {
        partial.append(c);
      }
    }
  }

  private void emit() {
    String line = partial.toString();
    partial.setLength(0);
    lines.add(line);
    target.println(prefix + line);
    notifyAll();
  }

  /** Waits until a line matching {@code p} has been written; false if none within timeout. */
  synchronized boolean await(Predicate<String> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    while (true) {
      for (; checked < lines.size(); checked++) {
        if (p.test(lines.get(checked))) {
          return true;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  @Override
  public void flush() {
    target.flush();
  }

  @Override
  public synchronized void close() {
    if (partial.length() > 0) {
      emit();
    }
    flush();
  }
}
