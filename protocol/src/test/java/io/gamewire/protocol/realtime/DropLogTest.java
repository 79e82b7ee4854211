package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class DropLogTest {
  static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 9);

  /** Records debug lines; debug is on. */
  static final class RecordingLogger extends LegacyAbstractLogger {
    final List<String> lines = new ArrayList<>();

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] args, Throwable t) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
    }
  }

  @Test
  void logsAtMostTenLinesASecondAndSaysHowManyItSuppressed() {
    RecordingLogger logger = new RecordingLogger();
    DropLog log = new DropLog("test", logger);
    long now = 5_000_000_000L;
    for (int i = 0; i < 10_000; i++) {
      log.dropped(now + i * 10_000L, "garbage", PEER); // 10,000 drops within 0.1 s
    }
    assertThat(logger.lines).hasSize(DropLog.LINES_PER_SECOND);
    assertThat(logger.lines).allMatch(l -> l.startsWith("DEBUG test: dropped a datagram from"));
    assertThat(log.suppressed()).isEqualTo(10_000 - DropLog.LINES_PER_SECOND);
    log.dropped(now + 1_000_000_000L, "garbage", PEER); // the next second
    assertThat(logger.lines).hasSize(DropLog.LINES_PER_SECOND + 1);
    assertThat(logger.lines.get(DropLog.LINES_PER_SECOND))
        .contains("(" + (10_000 - DropLog.LINES_PER_SECOND) + " more drops not logged)");
    assertThat(log.suppressed()).isZero();
  }
}
