package io.gamewire.bench.udp;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * User and system CPU time of the threads of this process whose name starts with a prefix, read
 * from {@code /proc/self/task/<tid>/stat} (Linux; the JVM gives each Java thread's OS thread the
 * first 15 characters of its name). The split matters for the flush benchmark: a sender that
 * batches its system calls should spend less system time per datagram. Resolution is one clock tick
 * (10 ms), so read it over windows of seconds. Where there is no /proc every figure is 0.
 */
final class ThreadCpu {
  private static final double TICK_MILLIS = 10.0; // USER_HZ is 100 on every Linux we run on

  /** CPU used over a window: per second of the window, and per counted item (datagram). */
  record Usage(
      double userMillisPerSecond, double systemMillisPerSecond, double seconds, long count) {
    /** Microseconds of CPU (user + system) per counted item, or 0 without a count. */
    double microsPerItem() {
      return count == 0
          ? 0
          : (userMillisPerSecond + systemMillisPerSecond) * seconds * 1000 / count;
    }

    double totalMillisPerSecond() {
      return userMillisPerSecond + systemMillisPerSecond;
    }

    Usage withCount(long n) {
      return new Usage(userMillisPerSecond, systemMillisPerSecond, seconds, n);
    }

    /** This usage less {@code others}' (threads counted twice otherwise). */
    Usage minus(Usage... others) {
      double u = userMillisPerSecond;
      double sys = systemMillisPerSecond;
      for (Usage o : others) {
        u -= o.userMillisPerSecond;
        sys -= o.systemMillisPerSecond;
      }
      return new Usage(u, sys, seconds, 0);
    }
  }

  private final String prefix;
  private final long[] start;

  private ThreadCpu(String prefix) {
    this.prefix = prefix.length() > 15 ? prefix.substring(0, 15) : prefix;
    this.start = read(this.prefix);
  }

  /** Starts a window over the threads named {@code prefix…} ("" for every thread). */
  static ThreadCpu of(String prefix) {
    return new ThreadCpu(prefix);
  }

  /** Usage since {@link #of}, over a window of {@code elapsedNanos}, with {@code count} items. */
  Usage since(long elapsedNanos, long count) {
    long[] now = read(prefix);
    double seconds = elapsedNanos / 1e9;
    long user = now[0] - start[0];
    long system = now[1] - start[1];
    return new Usage(user * TICK_MILLIS / seconds, system * TICK_MILLIS / seconds, seconds, count);
  }

  /** {utime, stime} in clock ticks summed over the matching threads. */
  static long[] read(String prefix) {
    long[] sum = new long[2];
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return sum;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
      for (Path task : dir) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended meanwhile
        }
        // pid (comm) state ppid ... : comm may hold spaces, so cut at the last ')'.
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open || !stat.substring(open + 1, close).startsWith(prefix)) {
          continue;
        }
        String[] f = stat.substring(close + 2).split(" ");
        // After the comm: state(0) ppid(1) … utime is field 14 of stat, so index 11 here.
        sum[0] += Long.parseLong(f[11]);
        sum[1] += Long.parseLong(f[12]);
      }
    } catch (IOException | RuntimeException e) {
      return new long[2];
    }
    return sum;
  }
}
