package io.gamewire.cli;

import io.gamewire.transport.Addresses;
import io.gamewire.transport.PacketServer;
import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads an ADDR argument ({@code host:port}, {@code [v6]:port}, {@code host} for port 8080) without
 * resolving it, so a malformed address is a usage error while an unknown host is a runtime one.
 */
public final class AddressConverter implements ITypeConverter<InetSocketAddress> {
  /** The help text every ADDR parameter shares. */
  public static final String HELP = "host:port, [v6]:port, or host (port 8080)";

  @Override
  public InetSocketAddress convert(String value) {
    try {
      return Addresses.parse(value, PacketServer.DEFAULT_PORT);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** Resolves a parsed address, failing with a one-line message for an unknown host. */
  public static InetSocketAddress resolve(InetSocketAddress address) {
    if (!address.isUnresolved()) {
      return address;
    }
    InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
    if (resolved.isUnresolved()) {
      throw new CommandFailure("unknown host '" + address.getHostString() + "'");
    }
    return resolved;
  }
}
