package io.gamewire.testkit;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Runs sans-I/O endpoints against a {@link SimulatedNetwork} on fake time until a goal is reached,
 * never sleeping: when nothing is due it jumps the clock straight to the next arrival or timer.
 *
 * <p>Each step, at the clock's current time: every endpoint's pending output goes into the network;
 * every datagram that has arrived is handed to the endpoint at its destination (datagrams to an
 * address with no endpoint vanish, as on a real network); every endpoint whose timer is due handles
 * it. When a step does nothing, the clock moves to the earliest of the next arrival and the next
 * timer (never backwards).
 *
 * <p>It fails with an {@link AssertionError} naming the seed and the fake time when the goal is not
 * reached within the fake-time budget, when nothing is left to happen (no datagram in flight, no
 * timer) and the goal is still not reached, and on a livelock: more than {@link
 * #maxStepsWithoutTimeAdvance(int)} actions (a datagram sent, delivered, or a timer handled)
 * without the clock moving, which is what an endpoint whose timer stays in the past, or one that
 * never stops sending, produces.
 *
 * <pre>{@code
 * Drive.Result r = Drive.until(clock, net, Duration.ofSeconds(10), () -> client.isConnected(),
 *     clientEndpoint, serverEndpoint);
 * }</pre>
 */
public final class Drive {
  /** Actions allowed at one instant of fake time before the drive is called a livelock. */
  public static final int DEFAULT_MAX_STEPS_WITHOUT_TIME_ADVANCE = 1_000_000;

  private final FakeClock clock;
  private final SimulatedNetwork net;
  private final List<SimEndpoint> endpoints;
  private final Map<InetSocketAddress, SimEndpoint> byAddress = new HashMap<>();
  private int maxStepsWithoutTimeAdvance = DEFAULT_MAX_STEPS_WITHOUT_TIME_ADVANCE;
  private long steps;
  private long timeJumps;

  /** What a drive did: actions taken, clock jumps, and the fake time it started and stopped at. */
  public record Result(long steps, long timeJumps, long startNanos, long endNanos) {
    public Duration elapsed() {
      return Duration.ofNanos(endNanos - startNanos);
    }
  }

  private Drive(FakeClock clock, SimulatedNetwork net, SimEndpoint... endpoints) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.net = Objects.requireNonNull(net, "net");
    this.endpoints = List.of(endpoints);
    for (SimEndpoint e : this.endpoints) {
      if (byAddress.put(e.address(), e) != null) {
        throw new IllegalArgumentException("two endpoints share the address " + e.address());
      }
    }
    if (net.clock() != clock) {
      throw new IllegalArgumentException("the network runs on a different FakeClock");
    }
  }

  /** A drive over {@code endpoints}, to configure before calling {@link #until}. */
  public static Drive of(FakeClock clock, SimulatedNetwork net, SimEndpoint... endpoints) {
    return new Drive(clock, net, endpoints);
  }

  /** Drives with the default limits until {@code done} holds; see the class comment. */
  public static Result until(
      FakeClock clock,
      SimulatedNetwork net,
      Duration maxFakeTime,
      BooleanSupplier done,
      SimEndpoint... endpoints) {
    return of(clock, net, endpoints).until(maxFakeTime, done);
  }

  public Drive maxStepsWithoutTimeAdvance(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    this.maxStepsWithoutTimeAdvance = limit;
    return this;
  }

  /** Runs until {@code done} holds, failing if {@code maxFakeTime} of fake time passes first. */
  public Result until(Duration maxFakeTime, BooleanSupplier done) {
    return run(maxFakeTime, done, true);
  }

  /**
   * Runs for {@code fakeTime} of fake time and leaves the clock at its end, for tests that look at
   * the state afterwards; still fails on a livelock.
   */
  public Result runFor(Duration fakeTime) {
    return run(fakeTime, () -> false, false);
  }

  private Result run(Duration budget, BooleanSupplier done, boolean goal) {
    Objects.requireNonNull(done, "done");
    long start = clock.nanos();
    long deadline = saturatedAdd(start, budget.toNanos());
    long stepsAtStart = steps;
    long jumpsAtStart = timeJumps;
    long stepsThisInstant = 0;
    while (!done.getAsBoolean()) {
      long now = clock.nanos();
      long actions = 0;
      for (SimEndpoint e : endpoints) {
        SimEndpoint.Outgoing out;
        while ((out = e.pollDatagram(now)) != null) {
          net.send(e.address(), out.to(), out.bytes());
          actions++;
          stepsThisInstant = checkLivelock(stepsThisInstant + 1, start);
        }
      }
      Delivery d;
      while ((d = net.pollArrival()) != null) {
        SimEndpoint target = byAddress.get(d.to());
        if (target != null) {
          target.handleDatagram(now, d.from(), d.bytes());
        }
        actions++;
        stepsThisInstant = checkLivelock(stepsThisInstant + 1, start);
      }
      for (SimEndpoint e : endpoints) {
        if (e.nextTimeoutNanos() <= now) {
          e.handleTimeout(now);
          actions++;
          stepsThisInstant = checkLivelock(stepsThisInstant + 1, start);
        }
      }
      steps += actions;
      if (actions > 0) {
        continue;
      }
      long next = net.nextArrivalNanos();
      for (SimEndpoint e : endpoints) {
        next = Math.min(next, e.nextTimeoutNanos());
      }
      if (next == Long.MAX_VALUE) {
        if (!goal) {
          clock.advanceTo(deadline == Long.MAX_VALUE ? now : deadline);
          break;
        }
        throw failure("nothing left to happen (no datagram in flight, no timer)", start);
      }
      if (next > deadline) {
        clock.advanceTo(deadline);
        if (!goal) {
          break;
        }
        throw failure(
            "goal not reached within " + Duration.ofNanos(deadline - start) + " of fake time",
            start);
      }
      if (next > now) {
        clock.advanceTo(next);
        timeJumps++;
        stepsThisInstant = 0;
      } else {
        // Something claims to be due yet did nothing when asked: count it so it cannot spin.
        stepsThisInstant = checkLivelock(stepsThisInstant + 1, start);
      }
    }
    return new Result(steps - stepsAtStart, timeJumps - jumpsAtStart, start, clock.nanos());
  }

  private long checkLivelock(long stepsThisInstant, long start) {
    if (stepsThisInstant <= maxStepsWithoutTimeAdvance) {
      return stepsThisInstant;
    }
    long now = clock.nanos();
    StringBuilder why = new StringBuilder();
    why.append("livelock: more than ")
        .append(maxStepsWithoutTimeAdvance)
        .append(" actions without fake time advancing; ");
    for (SimEndpoint e : endpoints) {
      long t = e.nextTimeoutNanos();
      why.append(e.address()).append(" next timer ");
      if (t == Long.MAX_VALUE) {
        why.append("none");
      } else if (t <= now) {
        why.append(now - t).append("ns in the past (not cleared by handleTimeout?)");
      } else {
        why.append("in ").append(t - now).append("ns");
      }
      why.append("; ");
    }
    why.append(net.inFlight()).append(" datagrams in flight");
    throw failure(why.toString(), start);
  }

  private AssertionError failure(String what, long start) {
    long now = clock.nanos();
    return new AssertionError(
        "Drive: "
            + what
            + " [seed="
            + net.seed()
            + ", fake time "
            + now
            + "ns, "
            + Duration.ofNanos(now - start)
            + " after the drive started; replay with new SimulatedNetwork(clock, "
            + net.seed()
            + "L) or -D"
            + SeedRegistry.SEED_PROPERTY
            + "="
            + net.seed()
            + "]");
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
