package io.gamewire.connector.internal;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/** Which local IP this host uses toward a destination: its "private IP" in lan-caster's terms. */
public final class LocalAddresses {
  private LocalAddresses() {}

  /**
   * The source address the kernel picks for {@code destination} (a UDP connect sends nothing), or
   * the loopback address of the destination's family if there is no route.
   */
  public static InetAddress toward(InetSocketAddress destination) {
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(destination);
      InetAddress local = probe.getLocalAddress();
      if (local != null && !local.isAnyLocalAddress()) {
        return local;
      }
    } catch (SocketException | RuntimeException e) {
      // no route: fall through
    }
    return InetAddress.getLoopbackAddress();
  }
}
