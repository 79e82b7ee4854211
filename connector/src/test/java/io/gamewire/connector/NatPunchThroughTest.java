package io.gamewire.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real NAT, built from network namespaces: a public segment (one bridge, in namespace {@code pub})
 * with the connector on 198.18.0.1, and two private hosts, 10.1.0.2 behind router {@code ra}
 * (outside 198.18.0.2) and 10.2.0.2 behind router {@code rb} (outside 198.18.0.3). Each router
 * masquerades with nftables and, like a home router, drops new unsolicited packets arriving on its
 * outside interface. A game server behind ra registers; a client behind rb joins it by name.
 * Without punch-through the join fails; with it, it succeeds.
 *
 * <p>Needs root, {@code ip} and {@code nft}; skipped with a message otherwise. Every peer is a
 * child JVM ({@link NatPeer}) run with {@code ip netns exec}; all are killed and every namespace
 * deleted afterwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NatPunchThroughTest {
  private static final String PREFIX =
      "gw" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
  private static final List<String> NAMESPACES = new ArrayList<>();
  private static final List<Process> PEERS = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void buildTheNetwork() throws Exception {
    String why = missingPrerequisite();
    Assumptions.assumeTrue(why == null, () -> "NAT test skipped: " + why);
    for (String ns : List.of("pub", "ra", "rb", "ha", "hb", "lan", "flood")) {
      run("ip", "netns", "add", PREFIX + ns);
      NAMESPACES.add(PREFIX + ns);
      ip(ns, "link", "set", "lo", "up");
      // Link-local IPv6 addresses usable at once (no duplicate address detection wait).
      run(
          "ip",
          "netns",
          "exec",
          PREFIX + ns,
          "sysctl",
          "-qw",
          "net.ipv6.conf.default.accept_dad=0");
    }
    ip("pub", "link", "add", "br0", "type", "bridge");
    ip("pub", "addr", "add", "198.18.0.1/24", "broadcast", "198.18.0.255", "dev", "br0");
    ip("pub", "link", "set", "br0", "up");
    router("a", 2, 1);
    router("b", 3, 2);
    // A plain host on the public segment, for LAN discovery by broadcast and multicast.
    run(
        "ip",
        "link",
        "add",
        PREFIX + "lo0",
        "netns",
        PREFIX + "lan",
        "type",
        "veth",
        "peer",
        "name",
        PREFIX + "lp",
        "netns",
        PREFIX + "pub");
    ip("pub", "link", "set", PREFIX + "lp", "master", "br0");
    ip("pub", "link", "set", PREFIX + "lp", "up");
    ip("lan", "link", "set", PREFIX + "lo0", "name", "eth0");
    ip("lan", "addr", "add", "198.18.0.9/24", "broadcast", "198.18.0.255", "dev", "eth0");
    ip("lan", "link", "set", "eth0", "up");
    // A flooding host whose nftables rewrites the source of each request to one of 8192 addresses
    // outside the segment: the connector's answers go nowhere, as a spoofed flood's would.
    run(
        "ip",
        "link",
        "add",
        PREFIX + "fl0",
        "netns",
        PREFIX + "flood",
        "type",
        "veth",
        "peer",
        "name",
        PREFIX + "fp",
        "netns",
        PREFIX + "pub");
    ip("pub", "link", "set", PREFIX + "fp", "master", "br0");
    ip("pub", "link", "set", PREFIX + "fp", "up");
    ip("flood", "link", "set", PREFIX + "fl0", "name", "eth0");
    ip("flood", "addr", "add", "198.18.0.20/24", "dev", "eth0");
    ip("flood", "link", "set", "eth0", "up");
    StringBuilder map = new StringBuilder();
    for (int i = 0; i < 8192; i++) {
      map.append(i == 0 ? "" : ", ")
          .append(i)
          .append(" : 198.19.")
          .append(i / 250)
          .append('.')
          .append(1 + i % 250);
    }
    nft(
        "flood",
        "table ip spoof {",
        "  chain out {",
        "    type filter hook output priority 0; policy accept;",
        "    udp dport 20000 ip saddr set numgen random mod 8192 map { " + map + " }",
        "  }",
        "}");
    // The connector's host routes those addresses onto the segment, where nobody answers ARP.
    ip("pub", "route", "add", "198.19.0.0/16", "dev", "br0");
  }

  private static void nft(String ns, String... lines) throws Exception {
    Path rules = Files.createTempFile("gamewire-nat", ".nft");
    try {
      Files.writeString(rules, String.join("\n", lines) + "\n");
      run("ip", "netns", "exec", PREFIX + ns, "nft", "-f", rules.toString());
    } finally {
      Files.deleteIfExists(rules);
    }
  }

  /** Router r{x}: outside 198.18.0.{outside} on the bridge, inside 10.{lan}.0.1 to host h{x}. */
  private static void router(String x, int outside, int lan) throws Exception {
    String r = "r" + x;
    String h = "h" + x;
    run(
        "ip",
        "link",
        "add",
        PREFIX + x + "o",
        "netns",
        PREFIX + r,
        "type",
        "veth",
        "peer",
        "name",
        PREFIX + x + "p",
        "netns",
        PREFIX + "pub");
    ip("pub", "link", "set", PREFIX + x + "p", "master", "br0");
    ip("pub", "link", "set", PREFIX + x + "p", "up");
    ip(r, "link", "set", PREFIX + x + "o", "name", "out");
    ip(r, "addr", "add", "198.18.0." + outside + "/24", "dev", "out");
    ip(r, "link", "set", "out", "up");
    run(
        "ip",
        "link",
        "add",
        PREFIX + x + "i",
        "netns",
        PREFIX + r,
        "type",
        "veth",
        "peer",
        "name",
        PREFIX + x + "h",
        "netns",
        PREFIX + h);
    ip(r, "link", "set", PREFIX + x + "i", "name", "in");
    ip(r, "addr", "add", "10." + lan + ".0.1/24", "dev", "in");
    ip(r, "link", "set", "in", "up");
    ip(h, "link", "set", PREFIX + x + "h", "name", "eth0");
    ip(h, "addr", "add", "10." + lan + ".0.2/24", "dev", "eth0");
    ip(h, "link", "set", "eth0", "up");
    ip(h, "route", "add", "default", "via", "10." + lan + ".0.1");
    run("ip", "netns", "exec", PREFIX + r, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    Path rules = Files.createTempFile("gamewire-nat", ".nft");
    try {
      Files.writeString(
          rules,
          String.join(
              "\n",
              "table ip nat {",
              "  chain post {",
              "    type nat hook postrouting priority 100; policy accept;",
              "    oifname \"out\" masquerade",
              "  }",
              "}",
              "table inet filter {",
              "  chain input {",
              "    type filter hook input priority 0; policy accept;",
              "    iifname \"out\" ct state new drop",
              "  }",
              "}",
              ""));
      run("ip", "netns", "exec", PREFIX + r, "nft", "-f", rules.toString());
    } finally {
      Files.deleteIfExists(rules);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (Process p : PEERS) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    for (String ns : NAMESPACES) {
      try {
        run("ip", "netns", "del", ns);
      } catch (IOException e) {
        System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
      }
    }
  }

  @Test
  void joinFailsWithoutPunchThroughAndSucceedsWithIt() throws Exception {
    connector();

    Peer silent = peer("ha", "server", "nat-game-no-punch", "198.18.0.1:20000", "0");
    assertThat(silent.await("REGISTERED ")).startsWith("REGISTERED ");
    Peer failing = peer("hb", "client", "nat-game-no-punch", "198.18.0.1:20000");
    String failed = failing.await("FAILED ", "JOINED ");
    assertThat(failed).startsWith("FAILED NO_ENDPOINT_ANSWERED").contains("198.18.0.2:");

    Peer punching = peer("ha", "server", "nat-game-punched", "198.18.0.1:20000", "5");
    assertThat(punching.await("REGISTERED ")).startsWith("REGISTERED ");
    Peer joining = peer("hb", "client", "nat-game-punched", "198.18.0.1:20000");
    String joined = joining.await("JOINED ", "FAILED ");
    // The client reached the server through router A's public address...
    assertThat(joined).startsWith("JOINED 198.18.0.2:");
    // ...and the server saw it at router B's public address.
    assertThat(punching.await("CLIENT ")).startsWith("CLIENT 198.18.0.3:");
  }

  /**
   * A flood of getConnetInfo from spoofed sources (8192 addresses) for a registered name: the
   * connector sends fewer bytes than it receives, and its heap after GC does not grow with the
   * flood.
   */
  @Test
  void aSpoofedFloodIsNotAmplifiedAndMemoryStaysFlat() throws Exception {
    Peer connector = connector();
    Peer target = peer("lan", "server", "flood-target", "198.18.0.1:20000", "0");
    assertThat(target.await("REGISTERED ")).startsWith("REGISTERED ");
    long[] before = stats(connector);
    Peer warmUp = peer("flood", "flood", "flood-target", "198.18.0.1:20000", "20000");
    warmUp.await("SENT ");
    long[] warm = stats(connector);
    Peer flood = peer("flood", "flood", "flood-target", "198.18.0.1:20000", "100000");
    String sent = flood.await("SENT ");
    long[] after = stats(connector);
    long floodBytes = Long.parseLong(sent.split(" ")[2]);
    long in = after[0] - before[0];
    long out = after[1] - before[1];
    System.out.printf(
        "flood: %d bytes sent by the flooder, connector in %d out %d (%.3f), heap after GC"
            + " %d -> %d -> %d%n",
        floodBytes, in, out, (double) out / in, before[4], warm[4], after[4]);
    assertThat(in).isPositive();
    assertThat(out).as("bytes out vs in").isLessThanOrEqualTo(in);
    // 100,000 more requests from 8192 new addresses: bounded tables, so no growth beyond noise.
    assertThat(after[4] - warm[4]).as("heap growth over the flood").isLessThan(8L << 20);
  }

  private static Peer sharedConnector;

  private static synchronized Peer connector() throws Exception {
    if (sharedConnector == null) {
      sharedConnector = peer("pub", "connector", "198.18.0.1:20000");
      assertThat(sharedConnector.await("READY ")).isEqualTo("READY 198.18.0.1:20000");
    }
    return sharedConnector;
  }

  private static long[] stats(Peer connector) throws Exception {
    connector.command("stats");
    String[] f = connector.await("STATS ").split(" ");
    long[] v = new long[5];
    for (int i = 0; i < 5; i++) {
      v[i] = Long.parseLong(f[i + 1]);
    }
    return v;
  }

  /** A query broadcast (and multicast) from the connector's host finds the server on another. */
  @Test
  void lanDiscoveryFindsAServerByBroadcast() throws Exception {
    Peer announcer = peer("lan", "announce", "lan-game-1", "7777");
    assertThat(announcer.await("ANNOUNCING ")).endsWith(":20001");
    Peer discover = peer("pub", "discover");
    List<String> found = new ArrayList<>();
    String line;
    while (!(line = discover.await("FOUND ", "DONE")).equals("DONE")) {
      found.add(line);
    }
    System.out.println("LAN discovery found: " + found);
    // Once by IPv4 broadcast, once by IPv6 multicast (answered from a link-local address).
    assertThat(found).contains("FOUND lan-game-1 198.18.0.9:7777");
    assertThat(found).anyMatch(l -> l.startsWith("FOUND lan-game-1 [fe80:") && l.endsWith(":7777"));
  }

  // ------------------------------------------------------------------ helpers

  private static String missingPrerequisite() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return "not Linux";
    }
    for (String tool : List.of("ip", "nft")) {
      boolean found = false;
      for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
        found |= Files.isExecutable(Path.of(dir, tool));
      }
      if (!found) {
        return "'" + tool + "' is not installed (apt-get install iproute2 nftables)";
      }
    }
    try {
      run("ip", "netns", "add", PREFIX + "probe");
      run("ip", "netns", "del", PREFIX + "probe");
    } catch (Exception e) {
      return "cannot create network namespaces (needs root): " + e.getMessage();
    }
    return null;
  }

  private static void ip(String ns, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "-n", PREFIX + ns));
    cmd.addAll(List.of(args));
    run(cmd.toArray(new String[0]));
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + " timed out");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  /** A child JVM running {@link NatPeer} in namespace {@code ns}. */
  private static Peer peer(String ns, String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                PREFIX + ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                NatPeer.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    PEERS.add(p);
    Peer peer = new Peer(ns + " " + args[0], p);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  peer.lines.add(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "nat-peer-" + ns);
    reader.setDaemon(true);
    reader.start();
    return peer;
  }

  private static final class Peer {
    final String name;
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final List<String> seen = new ArrayList<>();

    Peer(String name, Process process) {
      this.name = name;
      this.process = process;
    }

    void command(String line) throws IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** The first line starting with one of {@code prefixes}, within 60 s. */
    String await(String... prefixes) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        String line = lines.poll(200, TimeUnit.MILLISECONDS);
        if (line == null) {
          continue;
        }
        seen.add(line);
        for (String prefix : prefixes) {
          if (line.startsWith(prefix)) {
            return line;
          }
        }
      }
      throw new AssertionError(
          name + " printed no line starting with " + List.of(prefixes) + "; it printed " + seen);
    }
  }
}
