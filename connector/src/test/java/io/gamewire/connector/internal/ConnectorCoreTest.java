package io.gamewire.connector.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.testkit.FakeClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConnectorCoreTest {
  static final InetSocketAddress SERVER = addr("198.51.100.9", 40002);
  static final InetSocketAddress OTHER = addr("198.51.100.10", 40003);
  static final InetSocketAddress CLIENT = addr("203.0.113.7", 40001);

  private final FakeClock clock = new FakeClock();
  private final ConnectorCodec codec = new ConnectorCodec();
  private ConnectorCore core = new ConnectorCore(ConnectorCore.Config.defaults(), clock.nanos());
  private long nextId = 1;

  @AfterEach
  void close() {
    codec.close();
    core.close();
  }

  static InetSocketAddress addr(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  record Sent(InetSocketAddress to, ConnectorMessage message, int bytes) {}

  private List<Sent> send(InetSocketAddress from, ConnectorMessage m) {
    if (m.msgId() == null) {
      m.msgId(nextId++);
    }
    core.handleDatagram(clock.nanos(), from, codec.encode(m));
    List<Sent> out = new ArrayList<>();
    ConnectorCore.Outgoing o;
    while ((o = core.pollDatagram()) != null) {
      try {
        out.add(
            new Sent(
                o.to(), codec.decode(o.datagram(), 0, o.datagram().length), o.datagram().length));
      } catch (InvalidMessageException e) {
        throw new AssertionError("the connector sent an invalid message: " + e.getMessage());
      }
    }
    return out;
  }

  private ConnectorMessage only(List<Sent> sent, InetSocketAddress to) {
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).to()).isEqualTo(to);
    return sent.get(0).message();
  }

  static ConnectorMessage add(String name) {
    return ConnectorMessage.of("addServer")
        .put("serverName", name)
        .put("serverPrivateIP", "10.0.0.1")
        .put("serverPrivatePort", 20101);
  }

  static ConnectorMessage get(String type, String name) {
    return ConnectorMessage.of(type)
        .put("serverName", name)
        .put("clientPrivateIP", "192.168.1.2")
        .put("clientPrivatePort", 5000);
  }

  static ConnectorMessage del(String name) {
    return ConnectorMessage.of("delServer").put("serverName", name);
  }

  @Test
  void registersRefreshesAndRefusesATakenName() {
    ConnectorMessage added = only(send(SERVER, add("testserver1").msgId(7L)), SERVER);
    assertThat(added.type()).isEqualTo("serverAdded");
    assertThat(added.msgId()).isEqualTo(7L);
    assertThat(only(send(SERVER, add("testserver1")), SERVER).type()).isEqualTo("serverAdded");
    ConnectorMessage taken = only(send(OTHER, add("testserver1")), OTHER);
    assertThat(taken.type()).isEqualTo("Error");
    assertThat(taken.string("result"))
        .isEqualTo("A server with that name is already registered. Choose a different name.");
    assertThat(core.stats().servers()).isEqualTo(1);
  }

  @Test
  void anEntryExpiresThirtySecondsAfterItsLastAddServer() {
    send(SERVER, add("testserver1"));
    clock.advance(Duration.ofSeconds(20));
    send(SERVER, add("testserver1")); // refresh: now lives until t=50 s
    clock.advance(Duration.ofMillis(29_999));
    assertThat(core.listings(clock.nanos())).hasSize(1);
    clock.advance(Duration.ofMillis(1));
    assertThat(core.listings(clock.nanos())).isEmpty();
    assertThat(only(send(CLIENT, get("getConnetInfo", "testserver1")), CLIENT).string("result"))
        .isEqualTo("Server is not registered.");
    // Expired, the name is free for anyone.
    assertThat(only(send(OTHER, add("testserver1")), OTHER).type()).isEqualTo("serverAdded");
  }

  @Test
  void refusesBeyondMaxServersUntilOneExpires() {
    core.close();
    core = new ConnectorCore(ConnectorCore.Config.defaults().withMaxServers(3), clock.nanos());
    for (int i = 0; i < 3; i++) {
      assertThat(
              only(
                      send(addr("10.1.0." + i, 1000), add("server-" + i + "xx")),
                      addr("10.1.0." + i, 1000))
                  .type())
          .isEqualTo("serverAdded");
    }
    assertThat(only(send(SERVER, add("server-4xx")), SERVER).string("result"))
        .isEqualTo("Max servers already registered.");
    // A refresh of a registered name is not a new entry, so a full list still accepts it.
    assertThat(only(send(addr("10.1.0.0", 1000), add("server-0xx")), addr("10.1.0.0", 1000)).type())
        .isEqualTo("serverAdded");
    clock.advance(Duration.ofSeconds(30));
    assertThat(only(send(SERVER, add("server-4xx")), SERVER).type()).isEqualTo("serverAdded");
  }

  @Test
  void onlyTheOwnerDeletes() {
    assertThat(only(send(SERVER, del("testserver1")), SERVER).string("result"))
        .isEqualTo("Server is not registered.");
    send(SERVER, add("testserver1"));
    assertThat(only(send(OTHER, del("testserver1")), OTHER).string("result"))
        .isEqualTo("Permission Denied.");
    // Same IP, other port: not the owner either.
    InetSocketAddress samePortless = addr("198.51.100.9", 40009);
    assertThat(only(send(samePortless, del("testserver1")), samePortless).string("result"))
        .isEqualTo("Permission Denied.");
    assertThat(only(send(SERVER, del("testserver1").msgId(99L)), SERVER))
        .satisfies(m -> assertThat(m.type()).isEqualTo("serverDeleted"))
        .satisfies(m -> assertThat(m.msgId()).isEqualTo(99L));
    assertThat(core.stats().servers()).isZero();
  }

  @Test
  void connectInfoGoesToTheServerFirstWithoutMsgIdThenToTheClient() {
    send(SERVER, add("testserver1"));
    for (String type : List.of("getConnetInfo", "getConnectInfo")) {
      List<Sent> sent = send(CLIENT, get(type, "testserver1").msgId(42L));
      assertThat(sent).extracting(Sent::to).containsExactly(SERVER, CLIENT);
      ConnectorMessage toServer = sent.get(0).message();
      ConnectorMessage toClient = sent.get(1).message();
      assertThat(toServer.msgId()).isNull();
      assertThat(toClient.msgId()).isEqualTo(42L);
      for (ConnectorMessage m : List.of(toServer, toClient)) {
        assertThat(m.type()).isEqualTo("connectInfo");
        assertThat(m.fields())
            .containsExactly(
                Map.entry("serverName", "testserver1"),
                Map.entry("clientPrivateIP", "192.168.1.2"),
                Map.entry("clientPrivatePort", 5000L),
                Map.entry("serverPrivateIP", "10.0.0.1"),
                Map.entry("serverPrivatePort", 20101L),
                Map.entry("clientPublicIP", "203.0.113.7"),
                Map.entry("clientPublicPort", 40001L),
                Map.entry("serverPublicIP", "198.51.100.9"),
                Map.entry("serverPublicPort", 40002L));
      }
    }
  }

  @Test
  void ipv6EndpointsOnlyThroughTheGamewireExtension() {
    InetSocketAddress v6server = addr("2001:db8::9", 7777);
    InetSocketAddress v6client = addr("2001:db8::7", 5555);
    ConnectorMessage gwAdd =
        ConnectorMessage.of("gwAddServer")
            .put("serverName", "v6server")
            .put("serverPrivateIP", "fd00::9")
            .put("serverPrivatePort", 7777)
            .put("game", "chase")
            .put("players", 2)
            .put("capacity", 8)
            .put("metadata", Map.of("map", "forest"));
    assertThat(only(send(v6server, gwAdd), v6server).type()).isEqualTo("serverAdded");
    assertThat(only(send(v6client, get("getConnetInfo", "v6server")), v6client).string("result"))
        .isEqualTo("Server is not reachable over IPv4.");
    ConnectorMessage gwGet =
        ConnectorMessage.of("gwGetConnectInfo")
            .put("serverName", "v6server")
            .put("clientPrivateIP", "fd00::7")
            .put("clientPrivatePort", 5555)
            .put("pad", new byte[0]);
    List<Sent> sent = send(v6client, gwGet);
    assertThat(sent).extracting(Sent::to).containsExactly(v6server, v6client);
    assertThat(sent.get(1).message().type()).isEqualTo("gwConnectInfo");
    assertThat(sent.get(1).message().string("serverPublicIP")).isEqualTo("2001:db8:0:0:0:0:0:9");
    assertThat(core.listings(clock.nanos()))
        .containsExactly(
            new ConnectorCore.Listing("v6server", "chase", 2, 8, Map.of("map", "forest")));
  }

  private static ConnectorMessage list(int start, int maxBytes, Long token, Random random) {
    byte[] pad = new byte[64];
    random.nextBytes(pad);
    ConnectorMessage m =
        ConnectorMessage.of("listServers")
            .put("start", start)
            .put("maxBytes", maxBytes)
            .put("pad", pad);
    if (token != null) {
      m.put("token", token);
    }
    return m;
  }

  @Test
  void listingNeedsATokenAndPagesWithinTheAllowance() {
    Random random = new Random(1);
    for (int i = 0; i < 40; i++) {
      ConnectorMessage m =
          ConnectorMessage.of("gwAddServer")
              .put("serverName", String.format("server-%03d-with-a-longer-name", i))
              .put("serverPrivateIP", "10.0.0.1")
              .put("serverPrivatePort", 20000 + i)
              .put("game", "chase")
              .put("players", i % 8)
              .put("capacity", 8)
              .put("metadata", Map.of("map", "forest-" + i, "mode", "ctf"));
      send(addr("10.2.0." + i, 7777), m);
    }
    // Without a token: a token no larger than the request, and nothing else.
    byte[] request = codec.encode(list(0, 400, null, random).msgId(1L));
    core.handleDatagram(clock.nanos(), CLIENT, request);
    ConnectorCore.Outgoing tokenReply = core.pollDatagram();
    assertThat(core.pollDatagram()).isNull();
    assertThat(tokenReply.datagram().length).isLessThanOrEqualTo(request.length);
    long token;
    try {
      token = codec.decode(tokenReply.datagram(), 0, tokenReply.datagram().length).integer("token");
    } catch (InvalidMessageException e) {
      throw new AssertionError(e);
    }
    // Someone else's token is no good: another token comes back instead of the list.
    assertThat(only(send(OTHER, list(0, 400, token, random)), OTHER).type()).isEqualTo("listToken");

    List<String> names = new ArrayList<>();
    int start = 0;
    int pages = 0;
    while (start >= 0) {
      List<Sent> sent = send(CLIENT, list(start, 400, token, random));
      ConnectorMessage page = only(sent, CLIENT);
      assertThat(page.type()).isEqualTo("serverList");
      assertThat(sent.get(0).bytes()).isLessThanOrEqualTo(400);
      assertThat(page.integer("total")).isEqualTo(40);
      for (Object e : (List<?>) page.get("servers")) {
        names.add((String) ((Map<?, ?>) e).get("serverName"));
      }
      start = (int) page.integer("next");
      pages++;
      clock.advance(Duration.ofSeconds(1)); // stay under the rate limit
    }
    assertThat(pages).isGreaterThan(1);
    assertThat(names).hasSize(40).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void malformedIsCountedAndDropped() {
    core.handleDatagram(clock.nanos(), CLIENT, new byte[] {0x78, (byte) 0x9c, 1, 2, 3});
    core.handleDatagram(clock.nanos(), CLIENT, new byte[0]);
    core.handleDatagram(
        clock.nanos(), CLIENT, WireMaps.datagram(WireMaps.map("type", "addServer")));
    assertThat(core.pollDatagram()).isNull();
    assertThat(core.stats().malformed()).isEqualTo(3);
  }

  @Test
  void ratesAreLimitedPerAddress() {
    int answered = 0;
    for (int i = 0; i < 100; i++) {
      answered += send(CLIENT, del("testserver1")).size();
    }
    assertThat(answered).isEqualTo(ConnectorCore.Config.defaults().requestBurst());
    assertThat(core.stats().rateLimited()).isEqualTo(100 - answered);
    // Another address is not affected; the first recovers with time.
    assertThat(send(OTHER, del("testserver1"))).hasSize(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(send(CLIENT, del("testserver1"))).hasSize(1);
  }

  /** Spoofed sources, each new: the rate table stays bounded and bytes out stay below bytes in. */
  @Test
  void aSpoofedFloodIsNotAmplified() {
    send(SERVER, add("testserver1"));
    long inBefore = core.stats().bytesIn();
    long outBefore = core.stats().bytesOut();
    Random random = new Random(7);
    byte[] request = codec.encode(get("getConnetInfo", "testserver1").msgId(1L));
    for (int i = 0; i < 50_000; i++) {
      byte[] ip = new byte[4];
      random.nextBytes(ip);
      try {
        core.handleDatagram(
            clock.nanos(),
            new InetSocketAddress(InetAddress.getByAddress(ip), 1 + i % 60000),
            request);
      } catch (UnknownHostException e) {
        throw new AssertionError(e);
      }
      while (core.pollDatagram() != null) {}
      clock.advanceNanos(10_000); // 100k requests a second
    }
    long in = core.stats().bytesIn() - inBefore;
    long out = core.stats().bytesOut() - outBefore;
    assertThat(out).as("bytes out vs in").isLessThanOrEqualTo(in);
    assertThat(core.trackedAddresses()).isLessThanOrEqualTo(4096);
    assertThat(core.stats().amplificationDropped()).isPositive();
  }
}
