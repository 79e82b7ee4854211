package io.gamewire.testkit;

import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A JUnit 5 extension that, when a test fails, prints the seed of every {@link SimulatedNetwork}
 * the test created and attaches them to the failure as a suppressed exception, so the seed shows in
 * the report next to the stack trace.
 *
 * <pre>{@code
 * @ExtendWith(SeedReporter.class)
 * class ReliableChannelSimTest { ... }
 * }</pre>
 *
 * <p>To replay a failure, run the test again with {@code -Dgamewire.seed=<seed>} (for example
 * {@code mvn -pl protocol test -Dtest=ReliableChannelSimTest -Dgamewire.seed=-4242}). The property
 * seeds networks built with {@link SimulatedNetwork#SimulatedNetwork(FakeClock)}; a network built
 * with an explicit seed is deterministic already and ignores it.
 *
 * <p>The failure's own message is left as it is: exception messages cannot be changed in place, and
 * replacing the exception would change its type, which {@code assertThrows} and IDE diff views
 * depend on. Seeds are recorded per thread, so a network created on another thread than the test
 * (for example under {@code @Timeout(threadMode = SEPARATE_THREAD)}) is not reported.
 */
public final class SeedReporter
    implements BeforeEachCallback,
        AfterEachCallback,
        TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {

  /** Carries the seeds on a failure; it has no stack trace of its own. */
  public static final class Seeds extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Seeds(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    SeedRegistry.clear();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    SeedRegistry.clear();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    throw report(context, failure);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    throw report(context, failure);
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    throw report(context, failure);
  }

  private static Throwable report(ExtensionContext context, Throwable failure) {
    String message = describe(SeedRegistry.notes());
    if (message != null) {
      System.err.println("[" + context.getDisplayName() + "] " + message);
      failure.addSuppressed(new Seeds(message));
    }
    return failure;
  }

  /** The report for {@code notes}, or {@code null} when the test made no simulation. */
  static String describe(List<String> notes) {
    if (notes.isEmpty()) {
      return null;
    }
    return "simulation seeds of the failed test: "
        + String.join(", ", notes)
        + " (replay with -D"
        + SeedRegistry.SEED_PROPERTY
        + "=<seed> or pass the seed to the constructor)";
  }
}
