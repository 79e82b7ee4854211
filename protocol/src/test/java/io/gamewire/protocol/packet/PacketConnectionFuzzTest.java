package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Jazzer targets for {@link PacketConnection}: one end of a connection, server or client, is fed
 * fuzzed bytes in fuzzed chunks, with fake time moving forward and the application now and then
 * sending a packet or changing the state (input layout in {@link FuzzSeeds}). After every step the
 * output is drained, decoded and released. Checked on every input:
 *
 * <ul>
 *   <li>no exception escapes {@code handleData}, {@code handleTimeout} or the application calls;
 *   <li>the listener hears {@code onClosed} at most once and nothing at all after it;
 *   <li>once closed the connection stays closed, arms no timer and writes nothing more; the {@code
 *       closeconn} frame, if any, is the last frame it ever writes, and it writes one exactly when
 *       it closed on its own account;
 *   <li>everything it writes is a valid frame within the maximum frame length;
 *   <li>no buffer leaks once the connection is closed.
 * </ul>
 *
 * <p>Without {@code JAZZER_FUZZ} each target runs once per file in {@code
 * PacketConnectionFuzzTestInputs/<method>/}: handshake transcripts built from the spec's captured
 * frames, and known-bad streams. Fuzz one target at a time with {@code JAZZER_FUZZ=1 mvn -pl
 * protocol -am test -Dtest='PacketConnectionFuzzTest#serverSurvivesAnyBytes'}.
 */
class PacketConnectionFuzzTest {
  static final int MAX_FRAME_BYTES = 1024;
  static final int MAX_CHUNK_BYTES = 2048;
  static final long MAX_TIME_STEP_NANOS = 20_000_000_000L;

  /** Caps small enough that the fuzzer reaches each of them with short inputs. */
  static final MsgpackLimits LIMITS = new MsgpackLimits(256, 256, 32, 32, 8);

  /** A connection type that skips the registry handshake, so application packets come early. */
  static final ConnectionType LOBBY = new ConnectionType("lobby", false);

  record Move(long x, long y, String who) {}

  static final PacketRegistry REGISTRY;
  static final List<PacketType<?>> SENDABLE;
  static final List<Object> SAMPLE_BODIES;

  static {
    PacketRegistry.Builder b = PacketRegistry.builder();
    PacketType<Object> any = b.register("fuzz:any");
    PacketType<String> text = b.register("fuzz:chat.text", PacketCodec.string());
    PacketType<Move> move = b.register("fuzz:game.move", PacketCodec.record(Move.class));
    PacketType<Object> smart = b.register("fuzz:smart", PacketCodec.value(), PacketGuard.smart());
    PacketType<Object> toClient =
        b.register(
            "fuzz:toclient", PacketCodec.value(), PacketGuard.DEFAULT.withReceivedBy(Side.CLIENT));
    PacketType<Object> lobbyPlay =
        b.register(
            "fuzz:lobby.play",
            PacketCodec.value(),
            PacketGuard.smart()
                .withState(null)
                .withConnectionType(LOBBY.name())
                .withMode(ConnectionMode.PLAY));
    PacketType<Object> secure =
        b.register(
            "fuzz:secure",
            PacketCodec.value(),
            PacketGuard.DEFAULT.withMinSecurity(SecurityLevel.SERVERAUTH));
    b.register("fuzz:manual", 40, PacketCodec.map(), PacketGuard.DEFAULT);
    REGISTRY = b.build();
    SENDABLE = List.of(any, text, move, smart, toClient, lobbyPlay, secure);
    SAMPLE_BODIES =
        List.of(
            Map.of("n", 1L),
            "hello",
            new Move(3, -4, "ann"),
            List.of(1L, 2L),
            Map.of("to", "client"),
            true,
            "secret");
  }

  static PacketConfig config(int flags, RegistrySync sync) {
    return PacketConfig.builder()
        .maxFrameBytes(MAX_FRAME_BYTES)
        .compression((flags & 1) != 0)
        .compressionThresholdBytes(128)
        .limits(LIMITS)
        .registrySync(sync)
        .handshakeTimeout(Duration.ofSeconds(10))
        .idleTimeout((flags & 2) != 0 ? Duration.ofSeconds(5) : Duration.ZERO)
        .build();
  }

  @FuzzTest(maxDuration = "60s")
  void serverSurvivesAnyBytes(FuzzedDataProvider data) {
    int flags = data.consumeInt(0, 3);
    Run run = new Run();
    run.connection =
        PacketConnection.server(
            config(flags, RegistrySync.STRICT),
            REGISTRY,
            List.of(LOBBY),
            (c, request) -> Map.of("players", 3L, "motd", "fuzz"),
            run.alloc,
            run,
            run.now);
    run.drive(data);
  }

  @FuzzTest(maxDuration = "60s")
  void clientSurvivesAnyBytes(FuzzedDataProvider data) {
    int kind = data.consumeInt(0, 2);
    RegistrySync sync = RegistrySync.values()[data.consumeInt(0, 2)];
    int flags = data.consumeInt(0, 3);
    Run run = new Run();
    PacketConfig config = config(flags, sync);
    run.connection =
        switch (kind) {
          case 0 ->
              PacketConnection.client(
                  config, REGISTRY, ConnectionType.CLASSIC, run.alloc, run, run.now);
          case 1 -> PacketConnection.client(config, REGISTRY, LOBBY, run.alloc, run, run.now);
          default ->
              PacketConnection.pingClient(config, run.alloc, run, Map.of("time", 1.5e9), run.now);
        };
    run.drive(data);
  }

  /** One fuzzed connection: its listener, its fake time and the checks after every step. */
  static final class Run implements PacketConnection.Listener {
    final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
    final UnpooledByteBufAllocator checkAlloc = new UnpooledByteBufAllocator(false, true);
    final FrameDecoder written = new FrameDecoder(checkAlloc, MAX_FRAME_BYTES);
    PacketConnection connection;
    long now = 1_000_000_000L;
    int closedCalls;
    int handshakeCalls;
    boolean sawCloseFrame;
    boolean closedBefore;

    void drive(FuzzedDataProvider data) {
      PacketConnection c = connection;
      c.start(now);
      check();
      while (data.remainingBytes() > 0) {
        switch (data.consumeInt(0, 3)) {
          case 0, 1 -> {
            byte[] bytes = data.consumeBytes(data.consumeInt(0, MAX_CHUNK_BYTES));
            now += 1_000_000L;
            ByteBuf chunk = alloc.heapBuffer(bytes.length);
            chunk.writeBytes(bytes);
            c.handleData(now, chunk);
          }
          case 2 -> {
            now += data.consumeLong(0, MAX_TIME_STEP_NANOS);
            boolean early = data.consumeBoolean(); // a spurious wake-up must be harmless too
            if (early || now >= c.nextDeadlineNanos()) {
              c.handleTimeout(now);
            }
          }
          default -> application(data.consumeInt(0, 2 * SENDABLE.size()));
        }
        check();
      }
      c.handleEndOfStream(now);
      check();
      c.close();
      assertThat(closedCalls).isEqualTo(1);
      assertThat(c.pollOutput()).as("output after close()").isNull();
      written.close();
      assertThat(alloc.metric().usedHeapMemory()).as("connection leaked").isZero();
      assertThat(checkAlloc.metric().usedHeapMemory()).as("checker leaked").isZero();
    }

    /** What an application might do: send one of the registered packets, or change the state. */
    void application(int what) {
      PacketConnection c = connection;
      if (c.connectionType() != null && c.connectionType().isPing()) {
        return; // a ping connection carries no application packets: a caller's mistake
      }
      if (what == 2 * SENDABLE.size()) {
        if (c.isEstablished()) {
          c.setState(
              c.state() == ConnectionState.ACTIVE
                  ? ConnectionState.LOGGEDIN
                  : ConnectionState.ACTIVE);
        }
        return;
      }
      if (what >= SENDABLE.size()) {
        if (!c.isClosed()) {
          c.setMode(what % 2 == 0 ? ConnectionMode.PLAY : ConnectionMode.NOTSET);
        }
        return;
      }
      @SuppressWarnings("unchecked")
      PacketType<Object> type = (PacketType<Object>) SENDABLE.get(what);
      try {
        c.send(type, SAMPLE_BODIES.get(what));
      } catch (IllegalArgumentException e) {
        // Only a packet the server's registry lacks (ADOPT_COMMON) may be refused.
        assertThat(e.getMessage()).contains("does not know packet");
      }
    }

    void check() {
      PacketConnection c = connection;
      ByteBuf out = c.pollOutput();
      if (closedBefore) {
        assertThat(out).as("output after the connection closed").isNull();
        assertThat(c.isClosed()).isTrue();
      }
      if (out != null) {
        written.feed(out);
        try {
          while (written.next()) {
            assertThat(sawCloseFrame).as("a frame after closeconn").isFalse();
            if (written.packetId() == PacketIds.CLOSE_CONNECTION) {
              sawCloseFrame = true;
            }
          }
        } catch (FrameException e) {
          throw new AssertionError("the connection wrote an invalid frame: " + e.getMessage(), e);
        }
        assertThat(written.bufferedBytes()).as("a partial frame in the output").isZero();
      }
      if (c.isClosed()) {
        closedBefore = true;
        assertThat(closedCalls).isEqualTo(1);
        assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(c.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.closeReason()).isNotNull();
        assertThat(sawCloseFrame).as("closeconn written").isEqualTo(c.isCloseRequested());
        assertThat(c.isCloseRequested() && c.closedByPeer()).isFalse();
      } else {
        assertThat(closedCalls).isZero();
        assertThat(sawCloseFrame).isFalse();
      }
    }

    @Override
    public void onHandshakeComplete() {
      assertThat(closedCalls).as("handshake after close").isZero();
      handshakeCalls++;
      assertThat(handshakeCalls).as("handshake completions").isEqualTo(1);
    }

    @Override
    public void onPacket(PacketType<?> type, Object body) {
      assertThat(closedCalls).as("packet after close").isZero();
      assertThat(type.isInternal()).isFalse();
      assertThat(connection.isEstablished()).isTrue();
    }

    @Override
    public void onPacketIgnored(PacketType<?> type, String why) {
      assertThat(closedCalls).as("ignored packet after close").isZero();
    }

    @Override
    public void onPingReply(PingReply reply) {
      assertThat(closedCalls).as("ping reply after close").isZero();
    }

    @Override
    public void onClosed(String reason, boolean byPeer) {
      closedCalls++;
      assertThat(closedCalls).as("onClosed calls").isEqualTo(1);
      assertThat(reason).isNotNull();
    }
  }
}
