package io.gamewire.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS for a {@link PacketServer}: the server's certificate chain and key, and optionally client
 * authentication against trusted certificates. Standard TLS, so any peer that wraps its socket in
 * TLS (peng3dnet with {@code net.ssl.enabled}) can connect.
 */
public final class TlsServerConfig {
  /** Whether clients must present a certificate. */
  public enum ClientAuthMode {
    NONE,
    OPTIONAL,
    REQUIRE
  }

  private final SslContextBuilder builder;
  private ClientAuthMode clientAuth = ClientAuthMode.NONE;
  private Duration handshakeTimeout = Duration.ofSeconds(10);

  private TlsServerConfig(SslContextBuilder builder) {
    this.builder = builder;
  }

  /** From PEM files: the certificate chain (leaf first) and a PKCS#8 private key. */
  public static TlsServerConfig fromPem(File certificateChain, File privateKey) {
    return new TlsServerConfig(SslContextBuilder.forServer(certificateChain, privateKey));
  }

  /** From a key and its certificate chain (leaf first). */
  public static TlsServerConfig of(PrivateKey key, X509Certificate... chain) {
    return new TlsServerConfig(SslContextBuilder.forServer(key, chain));
  }

  /** Asks clients for a certificate signed by (or equal to) one of {@code trusted}. */
  public TlsServerConfig clientAuth(ClientAuthMode mode, X509Certificate... trusted) {
    this.clientAuth = Objects.requireNonNull(mode, "mode");
    builder.trustManager(trusted);
    return this;
  }

  /** Asks clients for a certificate signed by one in the PEM file {@code trusted}. */
  public TlsServerConfig clientAuth(ClientAuthMode mode, File trusted) {
    this.clientAuth = Objects.requireNonNull(mode, "mode");
    builder.trustManager(trusted);
    return this;
  }

  /** How long the TLS handshake may take (default 10 s). */
  public TlsServerConfig handshakeTimeout(Duration timeout) {
    this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  public ClientAuthMode clientAuthMode() {
    return clientAuth;
  }

  /** Builds the Netty context (used by Gamewire's transports). */
  public SslContext newContext() throws SSLException {
    builder.clientAuth(
        switch (clientAuth) {
          case NONE -> ClientAuth.NONE;
          case OPTIONAL -> ClientAuth.OPTIONAL;
          case REQUIRE -> ClientAuth.REQUIRE;
        });
    return builder.build();
  }
}
