package io.gamewire.connector.internal;

import static io.gamewire.connector.internal.WireMaps.datagram;
import static io.gamewire.connector.internal.WireMaps.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.testkit.Hex;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConnectorCodecTest {

  /** lan-caster's addServer as captured on the wire (spec section 2), msgID 7. */
  static final String GOLDEN_ADD_SERVER =
      "789c6b5d52525990ba3231252538b5a82cb568553198f24bcc4d5d5d925a5c02e11aae87d0014599658925a99e"
          + "012b0d8dccf50c80d070238a4c407e51c959bfd6a5b9c5e99e2eec0044f5262a";

  private final ConnectorCodec codec = new ConnectorCodec();

  @AfterEach
  void close() {
    codec.close();
  }

  @Test
  void decodesTheCapturedAddServer() throws Exception {
    byte[] wire = HexFormat.of().parseHex(GOLDEN_ADD_SERVER);
    ConnectorMessage m = codec.decode(wire, 0, wire.length);
    assertThat(m.type()).isEqualTo("addServer");
    assertThat(m.string("serverName")).isEqualTo("testserver1");
    assertThat(m.string("serverPrivateIP")).isEqualTo("127.0.0.1");
    assertThat(m.integer("serverPrivatePort")).isEqualTo(20101);
    assertThat(m.msgId()).isEqualTo(7L);
  }

  /**
   * The capture's map order is type, fields in definition order, msgID: the order this codec
   * writes, and zlib's default level gives the same deflate stream as Python's.
   */
  @Test
  void reencodesTheCaptureByteForByte() {
    ConnectorMessage m =
        ConnectorMessage.of("addServer")
            .put("serverName", "testserver1")
            .put("serverPrivateIP", "127.0.0.1")
            .put("serverPrivatePort", 20101)
            .msgId(7L);
    assertThat(HexFormat.of().formatHex(codec.encode(m))).isEqualTo(GOLDEN_ADD_SERVER);
  }

  @Test
  void everyTypeRoundTrips() throws Exception {
    List<ConnectorMessage> all =
        List.of(
            ConnectorMessage.of("serverAdded").msgId(1L),
            ConnectorMessage.of("delServer").put("serverName", "abcdefgh"),
            ConnectorMessage.of("serverDeleted"),
            ConnectorMessage.of("getConnetInfo")
                .put("serverName", "abcdefgh")
                .put("clientPrivateIP", "10.0.0.2")
                .put("clientPrivatePort", 5000),
            connectInfo(),
            ConnectorMessage.of("udpPunchThrough"),
            ConnectorMessage.of("joinRequest").put("game", "Demo").put("playerDisplayName", "Bob"),
            ConnectorMessage.of("joinReply")
                .put("playerNumber", 1)
                .put("serverSec", 12.5)
                .put("testMode", false),
            ConnectorMessage.of("Error").put("result", "Permission Denied.").msgId(3L),
            ConnectorMessage.of("gwAddServer")
                .put("serverName", "v6server")
                .put("serverPrivateIP", "fd00::1")
                .put("serverPrivatePort", 7777)
                .put("game", "chase")
                .put("players", 1)
                .put("capacity", 8)
                .put("metadata", Map.of("map", "forest")),
            ConnectorMessage.of("listServers")
                .put("start", 0)
                .put("maxBytes", 1200)
                .put("pad", new byte[40]),
            ConnectorMessage.of("listToken").put("token", -5L),
            ConnectorMessage.of("serverList")
                .put(
                    "servers",
                    List.of(
                        map(
                            "serverName",
                            "abcdefgh",
                            "game",
                            "g",
                            "players",
                            1L,
                            "capacity",
                            2L,
                            "metadata",
                            Map.of())))
                .put("next", -1)
                .put("total", 1)
                .replyData(List.of(1L, "x")));
    for (ConnectorMessage m : all) {
      byte[] wire = codec.encode(m);
      ConnectorMessage back = codec.decode(wire, 0, wire.length);
      assertThat(back.type()).isEqualTo(m.type());
      assertThat(back.msgId()).isEqualTo(m.msgId());
      assertThat(back.fields().keySet()).isEqualTo(m.fields().keySet());
      assertThat(codec.encode(back)).as(m.type()).isEqualTo(wire);
    }
  }

  static ConnectorMessage connectInfo() {
    return ConnectorMessage.of("connectInfo")
        .put("serverName", "abcdefgh")
        .put("clientPrivateIP", "192.168.1.2")
        .put("clientPrivatePort", 5000)
        .put("serverPrivateIP", "10.0.0.1")
        .put("serverPrivatePort", 20101)
        .put("clientPublicIP", "203.0.113.7")
        .put("clientPublicPort", 40001)
        .put("serverPublicIP", "198.51.100.9")
        .put("serverPublicPort", 40002);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        good(
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                1L)),
        good(
            map(
                "type",
                "addServer",
                "serverName",
                "x".repeat(64),
                "serverPrivateIP",
                "255.255.255.255",
                "serverPrivatePort",
                65000L,
                "msgID",
                9L,
                "replyData",
                map("k", List.of(1L)))),
        good(
            map(
                "type",
                "getConnectInfo",
                "serverName",
                "12345678",
                "clientPrivateIP",
                "1.2.3.4",
                "clientPrivatePort",
                80L)),
        good(map("type", "udpPunchThrough")),
        good(map("type", "Error", "result", "")),
        good(map("type", "joinRequest", "game", "g", "playerDisplayName", "é".repeat(16))),
        bad(
            "name too short",
            map(
                "type",
                "addServer",
                "serverName",
                "1234567",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                1L)),
        bad(
            "name too long",
            map(
                "type",
                "addServer",
                "serverName",
                "x".repeat(65),
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                1L)),
        bad(
            "port 0",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                0L)),
        bad(
            "port 65001",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                65001L)),
        bad(
            "port as str",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                "80")),
        bad(
            "port as bool",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                true)),
        bad(
            "ip not dotted",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4.5",
                "serverPrivatePort",
                1L)),
        bad(
            "ip octet 256",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.256",
                "serverPrivatePort",
                1L)),
        bad(
            "ip leading zero",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "01.2.3.4",
                "serverPrivatePort",
                1L)),
        bad(
            "ip hostname",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "localhost",
                "serverPrivatePort",
                1L)),
        bad(
            "ipv6 in lan-caster field",
            map(
                "type",
                "getConnetInfo",
                "serverName",
                "12345678",
                "clientPrivateIP",
                "::1",
                "clientPrivatePort",
                1L)),
        bad(
            "missing field",
            map("type", "addServer", "serverName", "12345678", "serverPrivateIP", "1.2.3.4")),
        bad(
            "extra field",
            map(
                "type",
                "addServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "1.2.3.4",
                "serverPrivatePort",
                1L,
                "evil",
                1L)),
        bad("nil field", map("type", "delServer", "serverName", null)),
        bad("msgID not int", map("type", "udpPunchThrough", "msgID", "7")),
        bad("unknown type", map("type", "rmServer")),
        bad("type not str", map("type", 1L)),
        bad("no type", map("serverName", "12345678")),
        bad(
            "float as int",
            map("type", "joinReply", "playerNumber", 1.0, "serverSec", 1.0, "testMode", false)),
        bad(
            "int as float",
            map("type", "joinReply", "playerNumber", 1L, "serverSec", 1L, "testMode", false)),
        bad(
            "display name 17",
            map("type", "joinRequest", "game", "g", "playerDisplayName", "x".repeat(17))),
        bad("empty game", map("type", "joinRequest", "game", "", "playerDisplayName", "x")),
        bad("top-level array", List.of("type", "udpPunchThrough")),
        bad(
            "metadata too many",
            map(
                "type",
                "gwAddServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "::1",
                "serverPrivatePort",
                1L,
                "game",
                "",
                "players",
                0L,
                "capacity",
                1L,
                "metadata",
                manyEntries(9))),
        bad(
            "ipv6 zone",
            map(
                "type",
                "gwAddServer",
                "serverName",
                "12345678",
                "serverPrivateIP",
                "fe80::1%1",
                "serverPrivatePort",
                1L,
                "game",
                "",
                "players",
                0L,
                "capacity",
                1L)));
  }

  private static Map<String, Object> manyEntries(int n) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put("k" + i, "v");
    }
    return m;
  }

  private static Arguments good(Object message) {
    return Arguments.of("good " + ((Map<?, ?>) message).get("type"), message, true);
  }

  private static Arguments bad(String why, Object message) {
    return Arguments.of("bad: " + why, message, false);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void validationTable(String name, Object message, boolean valid) {
    byte[] wire = datagram(message);
    if (valid) {
      assertThat(decodes(wire)).as(name).isTrue();
    } else {
      assertThatThrownBy(() -> codec.decode(wire, 0, wire.length))
          .as(name)
          .isInstanceOf(InvalidMessageException.class);
    }
  }

  private boolean decodes(byte[] wire) {
    try {
      codec.decode(wire, 0, wire.length);
      return true;
    } catch (InvalidMessageException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  @Test
  void rejectsAZipBombBeforeInflatingIt() {
    byte[] bomb = WireMaps.zlib(new byte[1 << 20]); // 1 MiB of zeros deflates to ~1 KiB
    assertThat(bomb.length).isLessThan(ConnectorCodec.MAX_DATAGRAM_BYTES);
    assertThatThrownBy(() -> codec.decode(bomb, 0, bomb.length))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("cap");
  }

  @Test
  void rejectsTruncatedTrailingAndForeignBytes() {
    byte[] good = Hex.parse(GOLDEN_ADD_SERVER);
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 5);
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    byte[] foreign = {0x01, 0x02, 0x03};
    for (byte[] wire : List.of(cut, trailing, foreign, new byte[0])) {
      assertThatThrownBy(() -> codec.decode(wire, 0, wire.length))
          .isInstanceOf(InvalidMessageException.class);
    }
  }

  @Test
  void encodingAFieldOutsideTheSchemaFailsFast() {
    assertThatThrownBy(() -> codec.encode(ConnectorMessage.of("serverAdded").put("x", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside its schema");
    assertThatThrownBy(() -> codec.encode(ConnectorMessage.of("delServer")))
        .hasMessageContaining("needs field 'serverName'");
  }
}
