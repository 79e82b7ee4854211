package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ChallengeMinterTest {
  static final long SECOND = 1_000_000_000L;
  final byte[] key = "0123456789abcdef0123456789abcdef".getBytes();
  final InetSocketAddress client = new InetSocketAddress("192.0.2.10", 40000);

  @Test
  void verifiesItsOwnFreshChallengeOnly() {
    ChallengeMinter m = new ChallengeMinter(key, 5 * SECOND);
    byte[] mac = new byte[ChallengeMinter.MAC_BYTES];
    m.mint(client, 10 * SECOND, 42, mac, 0);
    assertThat(m.verify(client, 10 * SECOND, 42, mac, 0, 12 * SECOND)).isTrue();
    assertThat(m.verify(client, 10 * SECOND, 42, mac, 0, 15 * SECOND)).isTrue();
    assertThat(m.verify(client, 10 * SECOND, 42, mac, 0, 15 * SECOND + 1)).as("expired").isFalse();
    assertThat(m.verify(client, 10 * SECOND, 42, mac, 0, 9 * SECOND)).as("future").isFalse();
    assertThat(m.verify(client, 10 * SECOND, 43, mac, 0, 11 * SECOND)).as("other nonce").isFalse();
    assertThat(
            m.verify(
                new InetSocketAddress("192.0.2.10", 40001), 10 * SECOND, 42, mac, 0, 11 * SECOND))
        .as("other port")
        .isFalse();
    assertThat(
            m.verify(
                new InetSocketAddress("192.0.2.11", 40000), 10 * SECOND, 42, mac, 0, 11 * SECOND))
        .as("other address")
        .isFalse();
    ChallengeMinter otherProcess =
        new ChallengeMinter("fedcba9876543210fedcba9876543210".getBytes(), 5 * SECOND);
    assertThat(otherProcess.verify(client, 10 * SECOND, 42, mac, 0, 11 * SECOND)).isFalse();
  }

  @Test
  void worksForIpv6Clients() {
    ChallengeMinter m = new ChallengeMinter(key, 5 * SECOND);
    InetSocketAddress v6 = new InetSocketAddress("2001:db8::7", 5000);
    byte[] mac = new byte[20];
    m.mint(v6, 0, 1, mac, 4);
    assertThat(m.verify(v6, 0, 1, mac, 4, SECOND)).isTrue();
    assertThat(m.verify(client, 0, 1, mac, 4, SECOND)).isFalse();
  }
}
