package io.gamewire.cli.examples;

import io.gamewire.cli.AddressConverter;
import io.gamewire.cli.Main;
import io.gamewire.cli.Terminal;
import io.gamewire.protocol.packet.CloseReasons;
import io.gamewire.protocol.packet.ConnectionType;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.Connection;
import io.gamewire.transport.PacketServer;
import io.gamewire.transport.PacketServerListener;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Parameters;

/**
 * What the example servers share: bind ADDR, print one line when listening, report clients coming
 * and going, and run until {@link #stop} is called, the running thread is interrupted, or the JVM
 * is asked to exit (Ctrl-C), in which case a shutdown hook closes every client with {@code
 * servershutdown}.
 */
public abstract class ExampleServerCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "Where to listen: " + AddressConverter.HELP + ".")
  InetSocketAddress address;

  protected final Terminal terminal;
  private final CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
  private final CompletableFuture<String> stopRequest = new CompletableFuture<>();
  protected volatile PacketServer server;

  ExampleServerCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  /** The example's name, as in {@code echo server listening on ...}. */
  abstract String exampleName();

  abstract PacketRegistry registry();

  /** Adds the example's handlers and ping data. */
  abstract PacketServer.Builder configure(PacketServer.Builder builder);

  /** A classic client left (after its handshake); the example may tell the others. */
  void left(Connection connection, String reason) {}

  /** Where to listen (for running the command without parsing arguments, as the demo does). */
  public ExampleServerCommand bindTo(InetSocketAddress address) {
    this.address = address;
    return this;
  }

  /** Completes with the bound address once listening, or exceptionally if binding failed. */
  public CompletableFuture<InetSocketAddress> listening() {
    return listening;
  }

  /** Asks the running server to shut down; {@code why} ends its last line. */
  public void stop(String why) {
    stopRequest.complete(why);
  }

  @Override
  public Integer call() {
    PacketServer s;
    try {
      InetSocketAddress bind = AddressConverter.resolve(address);
      s =
          configure(PacketServer.builder(registry()).bind(bind).ioThreadCount(1))
              .listener(new Events())
              .build();
      server = s;
      s.start();
    } catch (RuntimeException e) {
      listening.completeExceptionally(e);
      throw e;
    }
    InetSocketAddress at = s.localAddress();
    terminal.out().println(exampleName() + " server listening on " + Addresses.format(at));
    listening.complete(at);
    Thread hook =
        new Thread(
            () -> {
              s.shutdown(CloseReasons.SERVER_SHUTDOWN);
              terminal.out().println(exampleName() + " server stopped (the JVM is exiting)");
            },
            "gamewire-" + exampleName() + "-hook");
    Runtime.getRuntime().addShutdownHook(hook);
    String why;
    boolean interrupted = false;
    try {
      why = stopRequest.get();
    } catch (InterruptedException e) {
      why = "interrupted";
      interrupted = true;
    } catch (ExecutionException e) {
      why = e.getCause().toString();
    }
    try {
      s.shutdown(CloseReasons.SERVER_SHUTDOWN);
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already exiting and the hook runs the shutdown.
    }
    terminal.out().println(exampleName() + " server stopped (" + why + ")");
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return Main.EXIT_OK;
  }

  private static boolean isPing(Connection c) {
    ConnectionType t = c.connectionType();
    return t != null && t.isPing();
  }

  /** Reports classic clients arriving and leaving; ping connections pass silently. */
  private final class Events implements PacketServerListener {
    @Override
    public void onHandshakeComplete(Connection c) {
      if (!isPing(c)) {
        terminal
            .out()
            .println(
                "client "
                    + c.id()
                    + " connected from "
                    + Addresses.format((InetSocketAddress) c.remoteAddress()));
      }
    }

    @Override
    public void onClose(Connection c, String reason, boolean byPeer) {
      if (c.connectionType() != null && !isPing(c)) {
        terminal.out().println("client " + c.id() + " left (" + reason + ")");
        left(c, reason);
      }
    }
  }
}
