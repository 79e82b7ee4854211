package io.gamewire.transport;

import io.gamewire.protocol.packet.ConnectionType;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.protocol.packet.SecurityLevel;
import io.gamewire.protocol.stats.TrafficSnapshot;
import java.net.SocketAddress;

/**
 * One packet connection as the application sees it: a server's view of a client, or a client's view
 * of its server. Every method is safe to call from any thread. Sends from other threads are encoded
 * on the caller's thread into a per-connection batch that the I/O thread writes at once, or, when
 * only the I/O thread can decide (before the handshake, a failing guard), queued to it; either way
 * each thread's packets keep their call order.
 */
public interface Connection {

  /** A number unique within the server (the client's connection is 0). */
  long id();

  SocketAddress remoteAddress();

  /**
   * Queues a packet. Returns false if the connection is already closed; a packet whose guard fails
   * is ignored or closes the connection, as the guard says, once it reaches the I/O thread.
   *
   * @throws IllegalArgumentException if the packet is internal, from another registry, or the body
   *     does not fit its codec; when encoded on the caller's thread, also if the frame would exceed
   *     the maximum frame length (on the I/O thread that is logged instead)
   */
  <T> boolean send(PacketType<T> type, T body);

  /** Queues a packet by name; see {@link #send(PacketType, Object)}. */
  boolean send(String packetName, Object body);

  /** Closes with a reason the peer receives in {@code closeconn}; harmless when already closed. */
  void close(String reason);

  /** Whether the connection is established and not closed. */
  boolean isOpen();

  /** The connection state (see {@code ConnectionState}). */
  int state();

  /** Moves an established connection between ACTIVE and LOGGEDIN. */
  void setState(int state);

  /** The application-defined mode (see {@code ConnectionMode}). */
  int mode();

  void setMode(int mode);

  /** The connection type, or null before the client has chosen one. */
  ConnectionType connectionType();

  SecurityLevel securityLevel();

  /** Bytes and packets in and out so far, with per-minute averages. */
  TrafficSnapshot traffic();

  /**
   * Whether the socket's write buffer is below its high water mark and the sends from other threads
   * that the I/O thread has not taken yet are few (under 256 KiB encoded, 8192 queued). A thread
   * that sends in a tight loop should wait while this is false, or it may exceed the connection's
   * write budget.
   */
  boolean isWritable();

  /** The reason it closed with, or null while open. */
  String closeReason();

  /** An application object attached to this connection (a player, a session); null by default. */
  Object attachment();

  void attach(Object attachment);
}
