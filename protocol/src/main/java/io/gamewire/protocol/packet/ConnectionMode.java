package io.gamewire.protocol.packet;

/**
 * Connection modes with peng3dnet's numeric values. The mode is the application's to set; a guarded
 * packet may require an exact mode. Applications may use their own values above {@link #CHAT}.
 */
public final class ConnectionMode {
  public static final int NOTSET = 0;
  public static final int CLOSED = 1;
  public static final int PING = 2;
  public static final int PLAY = 3;
  public static final int CHAT = 4;

  private ConnectionMode() {}
}
