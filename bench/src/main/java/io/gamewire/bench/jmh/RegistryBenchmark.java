package io.gamewire.bench.jmh;

import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Registry lookups as the receive path (by id) and {@code send(String, ...)} (by name) do them, in
 * a registry of 64 application packets plus the internal ones. Each operation looks up one of the
 * 64 in turn, so the lookups are not all the same.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RegistryBenchmark {
  private static final int PACKETS = 64;

  private PacketRegistry registry;
  private int[] ids;
  private String[] names;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    ids = new int[PACKETS];
    names = new String[PACKETS];
    for (int i = 0; i < PACKETS; i++) {
      PacketType<Object> t = b.register("game:bench.packet" + i);
      ids[i] = t.id();
      // A fresh String with the same text, as a name from elsewhere would be.
      names[i] = new String(t.name().toCharArray());
    }
    registry = b.build();
  }

  @Benchmark
  public PacketType<?> byId() {
    int i = next++ & (PACKETS - 1);
    return registry.byId(ids[i]);
  }

  @Benchmark
  public PacketType<?> byName() {
    int i = next++ & (PACKETS - 1);
    return registry.byName(names[i]);
  }
}
