package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

/**
 * {@link SendContext}: what another thread may encode itself, and {@link
 * PacketConnection#handleEncodedFrames}, where those frames join the connection's output.
 */
class SendContextTest {

  @Test
  void existsOnlyWhileEstablishedAndStaysTheSameObjectUntilSomethingChanges() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    b.register("game:move");
    try (Pair p = new Pair(b.build(), b.build(), PacketConfig.DEFAULT)) {
      assertThat(p.client.sendContext()).as("before the handshake").isNull();
      p.start();
      SendContext c = p.client.sendContext();
      assertThat(c).isNotNull();
      assertThat(p.client.sendContext()).isSameAs(c);
      p.client.setMode(ConnectionMode.PLAY);
      assertThat(p.client.sendContext()).isNotSameAs(c).isNotNull();
      p.client.close("bye");
      assertThat(p.client.sendContext()).as("once closing").isNull();
    }
  }

  @Test
  void allowsOnlyWhatTheGuardAllowsAndUsesTheAdoptedWireIds() {
    PacketRegistry.Builder sb = PacketRegistry.builder();
    sb.register("game:chat");
    sb.register("game:move");
    PacketRegistry.Builder cb = PacketRegistry.builder();
    PacketType<Object> move = cb.register("game:move");
    PacketType<Object> inPlay =
        cb.register(
            "game:chat",
            PacketCodec.value(),
            PacketGuard.DEFAULT
                .withMode(ConnectionMode.PLAY)
                .withOnViolation(InvalidAction.IGNORE));
    PacketType<Object> foreign = PacketRegistry.builder().register("game:move");
    PacketConfig adopt = PacketConfig.builder().registrySync(RegistrySync.ADOPT_IDS).build();
    try (Pair p = new Pair(sb.build(), cb.build(), adopt).start()) {
      SendContext c = p.client.sendContext();
      assertThat(move.id()).isEqualTo(64);
      assertThat(c.wireIdFor(move)).as("the server's id for game:move").isEqualTo(65);
      assertThat(c.wireIdFor(inPlay)).as("guard: mode PLAY needed").isEqualTo(-1);
      assertThat(c.wireIdFor(foreign)).as("a type of another registry").isEqualTo(-1);
      assertThat(c.wireIdFor(p.client.registry().byId(PacketIds.CLOSE_CONNECTION)))
          .as("an internal type")
          .isEqualTo(-1);
      p.client.setMode(ConnectionMode.PLAY);
      assertThat(p.client.sendContext().wireIdFor(inPlay)).isEqualTo(64);
    }
  }

  @Test
  void encodedFramesFollowTheQueuedOutputAndAreCounted() throws Exception {
    PacketRegistry.Builder b = PacketRegistry.builder();
    PacketType<String> text = b.register("game:text", PacketCodec.string());
    PacketRegistry registry = b.build();
    try (Pair p = Pair.classic(registry).start();
        FrameEncoder other = p.client.newFrameEncoder()) {
      long packetsBefore = p.client.traffic().packetsOut();
      p.client.send(text, "first");
      ByteBuf frames = Pair.ALLOC.buffer();
      int id = p.client.sendContext().wireIdFor(text);
      other.encode(frames, id, text.codec(), "second");
      other.encode(frames, id, text.codec(), "third");
      assertThat(p.client.handleEncodedFrames(frames, 2)).isTrue();
      p.pump();
      assertThat(p.serverEvents.bodies).containsExactly("first", "second", "third");
      assertThat(p.client.traffic().packetsOut()).isEqualTo(packetsBefore + 3);
    }
  }

  @Test
  void encodedFramesForAClosedConnectionAreReleased() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    b.register("game:move");
    try (Pair p = Pair.classic(b.build()).start()) {
      p.client.close("bye");
      ByteBuf frames = Pair.ALLOC.buffer().writeZero(10);
      assertThat(p.client.handleEncodedFrames(frames, 1)).isFalse();
      assertThat(frames.refCnt()).isZero();
    }
  }
}
