package io.gamewire.bench.tcp;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * Heap and pooled buffer memory in use, as the memory harnesses ({@link IdleMemory} and the
 * realtime {@code RealtimeMemory}) read it in the server JVM and in the client JVM they start; the
 * child reports its reading as one line the parent {@linkplain #expect waits for}.
 */
public record MemoryUsage(long heapBytes, long pooledDirectBytes, long pooledHeapBytes) {

  /** A reading after full GCs: the smallest of several, the one with the least garbage in it. */
  public static MemoryUsage measure() throws InterruptedException {
    long heap = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
      heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    PooledByteBufAllocatorMetric m = PooledByteBufAllocator.DEFAULT.metric();
    return new MemoryUsage(heap, m.usedDirectMemory(), m.usedHeapMemory());
  }

  public long total() {
    return heapBytes + pooledDirectBytes + pooledHeapBytes;
  }

  public MemoryUsage minus(MemoryUsage o) {
    return new MemoryUsage(
        heapBytes - o.heapBytes,
        pooledDirectBytes - o.pooledDirectBytes,
        pooledHeapBytes - o.pooledHeapBytes);
  }

  /** The reading as the child JVM prints it. */
  public String encode() {
    return heapBytes + " " + pooledDirectBytes + " " + pooledHeapBytes;
  }

  public static MemoryUsage decode(String s) {
    String[] p = s.trim().split(" ");
    return new MemoryUsage(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]));
  }

  /** Writes this growth as the object {@code name}, with bytes per client of {@code clients}. */
  public void writeJson(JsonWriter json, String name, int clients) {
    json.name(name).beginObject();
    json.name("heapGrowthBytes").value(heapBytes);
    json.name("pooledDirectGrowthBytes").value(pooledDirectBytes);
    json.name("pooledHeapGrowthBytes").value(pooledHeapBytes);
    json.name("bytesPerClient").value((double) total() / clients, 1);
    json.name("heapBytesPerClient").value((double) heapBytes / clients, 1);
    json.endObject();
  }

  /** The rest of the child JVM's next line that starts with {@code prefix}. */
  public static String expect(BufferedReader from, String prefix) throws IOException {
    String line;
    while ((line = from.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length());
      }
    }
    throw new IOException("the client JVM ended before saying " + prefix.trim());
  }
}
