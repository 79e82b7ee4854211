package io.gamewire.bench.jmh;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.state.StateCodecConfig;
import io.gamewire.protocol.state.StateDeltaCodec;
import io.gamewire.protocol.state.StateTree;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The native state delta ({@link StateDeltaCodec}) on a state of {@code entities} entities, {@code
 * changePercent} of which move each tick ({@code entities: id -> {name, position: [x, y], hp}},
 * floats quantized to 0.01). {@value #VERSIONS} versions are made up front; each operation encodes
 * (or decodes) the delta from one version to the next, as a server does for a client that acked the
 * previous tick. Run with {@code -prof gc}: encode allocates nothing in steady state; decode
 * allocates the new version (a copy of the changed maps and lists, which immutable versions need).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class StateDeltaBenchmark {
  static final int VERSIONS = 64;

  @Param({"1000"})
  int entities;

  @Param({"10"})
  int changePercent;

  private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private StateDeltaCodec codec;
  private StateDeltaCodec.Encoder encoder;
  private StateDeltaCodec.Decoder decoder;
  private final List<Map<Object, Object>> versions = new ArrayList<>();
  private final List<Map<Object, Object>> received = new ArrayList<>();
  private final List<ByteBuf> deltas = new ArrayList<>();
  private ByteBuf out;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws MalformedMessageException {
    codec = new StateDeltaCodec(StateCodecConfig.DEFAULT);
    Random random = new Random(42);
    Map<Object, Object> players = new LinkedHashMap<>();
    for (long id = 0; id < entities; id++) {
      players.put(
          id,
          Map.of(
              "name",
              "entity-" + id,
              "position",
              List.of(random.nextDouble() * 1000, random.nextDouble() * 1000),
              "hp",
              100));
    }
    Map<Object, Object> state =
        codec.quantize(StateTree.freeze(Map.of("entities", players, "tick", 0), false));
    versions.add(state);
    int changed = Math.max(1, entities * changePercent / 100);
    for (int v = 1; v <= VERSIONS; v++) {
      Map<Object, Object> moves = new LinkedHashMap<>();
      Map<?, ?> current = (Map<?, ?>) state.get("entities");
      for (int i = 0; i < changed; i++) {
        long id = random.nextInt(entities);
        List<?> p = (List<?>) ((Map<?, ?>) current.get(id)).get("position");
        moves.put(
            id,
            Map.of(
                "position",
                List.of(
                    (Double) p.get(0) + random.nextDouble() - 0.5,
                    (Double) p.get(1) + random.nextDouble() - 0.5)));
      }
      Map<Object, Object> update =
          StateTree.freeze(Map.of("entities", moves, "tick", (long) v), true);
      state = codec.quantize(StateTree.merge(state, update));
      versions.add(state);
    }
    encoder = codec.encoder();
    decoder = codec.decoder();
    ByteBuf full = alloc.heapBuffer();
    encoder.encode(StateTree.EMPTY, versions.get(0), full);
    received.add(decoder.decode(full, StateTree.EMPTY));
    full.release();
    for (int v = 1; v <= VERSIONS; v++) {
      ByteBuf delta = alloc.directBuffer();
      encoder.encode(versions.get(v - 1), versions.get(v), delta);
      deltas.add(delta);
      received.add(decoder.decode(delta, received.get(v - 1)));
      delta.readerIndex(0);
    }
    out = alloc.directBuffer(64 * 1024);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    out.release();
    deltas.forEach(ByteBuf::release);
  }

  /** Bytes of one delta, averaged over the prepared versions (printed once per trial). */
  @TearDown(Level.Trial)
  public void printSize() {
    long total = 0;
    for (ByteBuf d : deltas) {
      total += d.writerIndex();
    }
    System.out.printf(
        "%n[state delta] %d entities, %d%% changed: %.1f B per delta%n",
        entities, changePercent, (double) total / deltas.size());
  }

  @Benchmark
  public int encode() {
    int v = next;
    next = (v + 1) % VERSIONS;
    out.clear();
    encoder.encode(versions.get(v), versions.get(v + 1), out);
    return out.writerIndex();
  }

  @Benchmark
  public Map<Object, Object> decode() throws MalformedMessageException {
    int v = next;
    next = (v + 1) % VERSIONS;
    ByteBuf delta = deltas.get(v);
    delta.readerIndex(0);
    return decoder.decode(delta, received.get(v));
  }
}
