package io.gamewire.cli;

import io.gamewire.connector.Connector;
import io.gamewire.transport.Addresses;
import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A connector address: like {@link AddressConverter}, with the connector's port 20000 by default.
 */
public final class ConnectorAddressConverter implements ITypeConverter<InetSocketAddress> {
  public static final String HELP = "host:port, [v6]:port, or host (port 20000)";

  @Override
  public InetSocketAddress convert(String value) {
    try {
      return Addresses.parse(value, Connector.DEFAULT_PORT);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
