package io.gamewire.connector.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Jazzer target for connector datagram decoding and the connector behind it. Without {@code
 * JAZZER_FUZZ} it runs in regression mode over {@code
 * ConnectorCodecFuzzTestInputs/decodeOnlyFailsAsInvalid/} under src/test/resources (zip bomb,
 * truncated stream, trailing bytes, preset dictionary, non-map, extra field). Fuzz for real with
 * {@code JAZZER_FUZZ=1 mvn -pl connector -am test -Dtest=ConnectorCodecFuzzTest}.
 */
class ConnectorCodecFuzzTest {
  private static final InetSocketAddress FROM =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 4000);

  /**
   * Raw bytes and the same bytes deflated (so the fuzzer reaches the MessagePack and schema
   * layers): decoding fails only with InvalidMessageException, and the connector never throws.
   */
  @FuzzTest(maxDuration = "60s")
  void decodeOnlyFailsAsInvalid(byte[] input) {
    try (ConnectorCodec codec = new ConnectorCodec(4096)) {
      decode(codec, input);
      decode(codec, WireMaps.zlib(input));
    }
    try (ConnectorCore core = new ConnectorCore(ConnectorCore.Config.defaults(), new byte[32], 0)) {
      core.handleDatagram(0, FROM, input);
      core.handleDatagram(1, FROM, WireMaps.zlib(input));
      while (core.pollDatagram() != null) {}
    }
  }

  private static void decode(ConnectorCodec codec, byte[] bytes) {
    try {
      ConnectorMessage m = codec.decode(bytes, 0, bytes.length);
      codec.encode(m); // a valid message re-encodes without complaint
    } catch (InvalidMessageException expected) {
      // dropped, as the receive path does
    }
  }
}
