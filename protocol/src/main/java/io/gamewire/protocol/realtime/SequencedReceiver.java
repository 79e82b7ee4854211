package io.gamewire.protocol.realtime;

/**
 * The receiving end of an {@link DeliveryMode#UNRELIABLE_SEQUENCED} channel: a message is delivered
 * only if its id is newer than every id delivered before, so the application never goes backwards
 * (a stale snapshot is dropped, not applied).
 */
public final class SequencedReceiver {
  private boolean any;
  private int newest;
  private long stale;

  /** Whether to deliver message {@code id}; records it as the newest if so. */
  public boolean accept(int id) {
    if (any && !MessageId.isNewer(id, newest)) {
      stale++;
      return false;
    }
    any = true;
    newest = id;
    return true;
  }

  /** Messages dropped as stale or duplicate. */
  public long stale() {
    return stale;
  }
}
