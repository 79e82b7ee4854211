package io.gamewire.bench.jmh;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs JMH's benchmark threads as Netty {@code FastThreadLocalThread}s, the kind of thread the
 * encode and decode paths run on in the transport (an event loop). Netty recycles pooled buffer
 * wrappers such as slices only on such threads, so without this the decode benchmarks would report
 * allocation that the transport does not have. Select it with:
 *
 * <pre>
 * -Djmh.executor=CUSTOM -Djmh.executor.class=io.gamewire.bench.jmh.EventLoopLikeExecutor
 * </pre>
 *
 * <p>Tasks queue rather than hand off: with a hand-off queue, JMH's next iteration was sometimes
 * rejected on a loaded machine because the thread had not yet gone back to waiting.
 */
public final class EventLoopLikeExecutor extends ThreadPoolExecutor {
  public EventLoopLikeExecutor(int maxThreads, String prefix) {
    super(
        maxThreads,
        maxThreads,
        1,
        TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), // JMH may submit the next iteration before the thread is idle
        new DefaultThreadFactory(prefix, true));
  }
}
