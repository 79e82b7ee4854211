package io.gamewire.transport;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS for a {@link PacketClient}: which server certificates to trust, whether to verify the host
 * name (on by default), and optionally a client certificate. The connection's security level says
 * what was achieved: {@code SERVERAUTH} when the server's certificate and name were verified,
 * {@code BOTHAUTH} when a client certificate was presented too, {@code ENCRYPTED} when trust was
 * skipped.
 */
public final class TlsClientConfig {
  private final SslContextBuilder builder = SslContextBuilder.forClient();
  private final boolean verifiesServer;
  private boolean hostnameVerification = true;
  private boolean presentsCertificate;
  private Duration handshakeTimeout = Duration.ofSeconds(10);

  private TlsClientConfig(boolean verifiesServer) {
    this.verifiesServer = verifiesServer;
  }

  /** Trusts the JDK's default certificate authorities. */
  public static TlsClientConfig systemTrust() {
    return new TlsClientConfig(true);
  }

  /** Trusts servers whose chain ends in one of {@code trusted}. */
  public static TlsClientConfig trusting(X509Certificate... trusted) {
    TlsClientConfig c = new TlsClientConfig(true);
    c.builder.trustManager(trusted);
    return c;
  }

  /** Trusts servers whose chain ends in a certificate of the PEM file {@code trusted}. */
  public static TlsClientConfig trusting(File trusted) {
    TlsClientConfig c = new TlsClientConfig(true);
    c.builder.trustManager(trusted);
    return c;
  }

  /** Encrypts without checking who the server is. For tests and LAN tools only. */
  public static TlsClientConfig insecureTrustAll() {
    TlsClientConfig c = new TlsClientConfig(false);
    c.builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
    c.hostnameVerification = false;
    return c;
  }

  /** Whether the server's certificate must name the host connected to (default true). */
  public TlsClientConfig hostnameVerification(boolean on) {
    this.hostnameVerification = on;
    return this;
  }

  /** Presents this certificate when the server asks for one. */
  public TlsClientConfig clientCertificate(PrivateKey key, X509Certificate... chain) {
    builder.keyManager(key, chain);
    presentsCertificate = true;
    return this;
  }

  /** Presents the certificate in these PEM files when the server asks for one. */
  public TlsClientConfig clientCertificate(File certificateChain, File privateKey) {
    builder.keyManager(certificateChain, privateKey);
    presentsCertificate = true;
    return this;
  }

  public TlsClientConfig handshakeTimeout(Duration timeout) {
    this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  public boolean hostnameVerification() {
    return hostnameVerification;
  }

  /** Whether the server's certificate is checked against trusted authorities. */
  public boolean verifiesServer() {
    return verifiesServer;
  }

  public boolean presentsCertificate() {
    return presentsCertificate;
  }

  /** Builds the Netty context (used by Gamewire's transports). */
  public SslContext newContext() throws SSLException {
    return builder.build();
  }
}
