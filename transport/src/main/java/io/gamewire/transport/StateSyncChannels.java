package io.gamewire.transport;

import io.gamewire.protocol.realtime.DeliveryMode;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.state.NativeStateFormat;

/** The channels state sync needs, checked when a game server or client is built. */
final class StateSyncChannels {
  private StateSyncChannels() {}

  static void check(RealtimeConfig config) {
    if (config.channels().get(NativeStateFormat.EVENT_CHANNEL) != DeliveryMode.RELIABLE_ORDERED
        || config.channels().get(NativeStateFormat.STATE_CHANNEL) != DeliveryMode.UNRELIABLE) {
      throw new IllegalArgumentException(
          "state sync needs channel "
              + NativeStateFormat.EVENT_CHANNEL
              + " reliable-ordered (events) and channel "
              + NativeStateFormat.STATE_CHANNEL
              + " unreliable (state); the config has "
              + config.channels());
    }
  }
}
