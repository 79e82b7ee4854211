package io.gamewire.protocol.packet;

import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.gamewire.testkit.Hex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the seed corpora of {@link FrameDecoderFuzzTest} and {@link PacketConnectionFuzzTest} into
 * src/test/resources. Only runs when asked: {@code mvn -pl protocol -am test -Dtest=FuzzSeeds
 * -Dsurefire.failIfNoSpecifiedTests=false -Dgamewire.writeFuzzSeeds=true}.
 *
 * <p>The targets read their input with Jazzer's {@code FuzzedDataProvider}, which takes byte arrays
 * from the front of the input and integers from the back (each integer as few big-endian bytes as
 * its range needs, the first consumed byte being the last of the input). {@link Input} writes both
 * ends in consumption order, so a seed reads as the script it is:
 *
 * <ul>
 *   <li>FrameDecoderFuzzTest: {@code cuts (0..32)}, then {@code cuts} chunk sizes (0..8192); the
 *       whole front is the stream.
 *   <li>PacketConnectionFuzzTest: server {@code flags (0..3: bit 0 compression, bit 1 idle
 *       timeout)}; client {@code kind (0 classic, 1 lobby, 2 ping)}, {@code registry sync (0..2)},
 *       {@code flags}; then steps until the input is used up: {@code 0 or 1} = data, with a length
 *       (0..2048) and that many front bytes; {@code 2} = time step (0..20 s in ns) and a boolean
 *       forcing handleTimeout; {@code 3} = application action (0..14).
 * </ul>
 */
class FuzzSeeds {
  static final Path RESOURCES = Path.of("src/test/resources/io/gamewire/protocol/packet");

  static final String HELLO = PacketConnectionTest.HELLO;
  static final String SETTYPE_CLASSIC = PacketConnectionTest.SETTYPE_CLASSIC;
  static final String HANDSHAKE_ACCEPT = PacketConnectionTest.HANDSHAKE_ACCEPT;
  static final String CLOSE_USERREQUEST = PacketConnectionTest.CLOSE_USERREQUEST;

  /** A FuzzedDataProvider input written in the order the target consumes it. */
  static final class Input {
    private final ByteArrayOutputStream front = new ByteArrayOutputStream();
    private final List<Byte> back = new ArrayList<>();

    /** A value the target reads with consumeInt/consumeLong(min, max). */
    Input integer(long value, long min, long max) {
      long range = max - min;
      long raw = value - min;
      if (raw < 0 || raw > range) {
        throw new IllegalArgumentException(value + " is outside " + min + ".." + max);
      }
      int bytes = 0;
      while (bytes < 8 && (range >>> (8 * bytes)) > 0) {
        bytes++;
      }
      for (int i = bytes - 1; i >= 0; i--) {
        back.add((byte) (raw >>> (8 * i)));
      }
      return this;
    }

    Input bool(boolean value) {
      back.add((byte) (value ? 1 : 0));
      return this;
    }

    Input front(byte[] bytes) {
      front.writeBytes(bytes);
      return this;
    }

    /** Connection target: one data step carrying {@code bytes}. */
    Input data(byte[] bytes) {
      integer(0, 0, 3);
      integer(bytes.length, 0, PacketConnectionFuzzTest.MAX_CHUNK_BYTES);
      return front(bytes);
    }

    /** Connection target: {@code bytes} as several data steps of at most {@code size} bytes. */
    Input dataInChunks(byte[] bytes, int size) {
      for (int i = 0; i < bytes.length; i += size) {
        data(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
      }
      return this;
    }

    /** Connection target: time moves on by {@code millis}. */
    Input time(long millis, boolean forceTimeout) {
      integer(2, 0, 3);
      integer(millis * 1_000_000L, 0, PacketConnectionFuzzTest.MAX_TIME_STEP_NANOS);
      return bool(forceTimeout);
    }

    /** Connection target: application action {@code what}. */
    Input app(int what) {
      integer(3, 0, 3);
      return integer(what, 0, 2L * PacketConnectionFuzzTest.SENDABLE.size());
    }

    byte[] build() {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      all.writeBytes(front.toByteArray());
      for (int i = back.size() - 1; i >= 0; i--) {
        all.write(back.get(i));
      }
      return all.toByteArray();
    }
  }

  static byte[] hex(String spec) {
    return Hex.parse(spec);
  }

  static byte[] frame(int id, int flags, byte[] body) {
    return ByteBuffer.allocate(10 + body.length)
        .putInt(6 + body.length)
        .putInt(id)
        .putShort((short) flags)
        .put(body)
        .array();
  }

  static byte[] frame(int id, Object body) {
    return frame(id, 0, MsgpackWriter.toBytes(body));
  }

  static Map<Object, Object> map(Object... kv) {
    Map<Object, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] zlib(byte[] plain) {
    Deflater d = new Deflater(9);
    d.setInput(plain);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  // Frames a client sends.
  static final byte[] SETTYPE_LOBBY = frame(PacketIds.SET_TYPE, map("conntype", "lobby"));
  static final byte[] SETTYPE_PING = frame(PacketIds.SET_TYPE, map("conntype", "ping"));
  static final byte[] PING_REQUEST = frame(PacketIds.PING_REQUEST, map("time", 1.7e9));
  // Frames a server sends.
  static final byte[] HANDSHAKE =
      frame(
          PacketIds.HANDSHAKE,
          map(
              "version",
              "0.2.0",
              "protoversion",
              2L,
              "registry",
              PacketConnectionFuzzTest.REGISTRY.toWireMap()));
  // Bad frames for either side.
  static final byte[] OVERSIZED = hex("00100001 00000040 0000 80");
  static final byte[] AES = hex("00000007 00000040 0002 80");
  static final byte[] ZLIB_BOMB = frame(64, FrameFormat.FLAG_COMPRESSED, zlib(new byte[65536]));
  static final byte[] SHORT_LENGTH = hex("00000003 000000");
  static final byte[] HUGE_ID = hex("00000007 ffffffff 0000 80");

  static int app(String name) {
    for (int i = 0; i < PacketConnectionFuzzTest.SENDABLE.size(); i++) {
      if (PacketConnectionFuzzTest.SENDABLE.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(name);
  }

  static byte[] appFrame(String name, Object body) {
    return frame(PacketConnectionFuzzTest.REGISTRY.byName(name).id(), body);
  }

  @Test
  @EnabledIfSystemProperty(named = "gamewire.writeFuzzSeeds", matches = "true")
  void write() throws IOException {
    writeDecoderSeeds();
    writeServerSeeds();
    writeClientSeeds();
  }

  static Input decoder(byte[] stream, int... cuts) {
    Input in = new Input().integer(cuts.length, 0, FrameDecoderFuzzTest.MAX_CUTS);
    for (int c : cuts) {
      in.integer(c, 0, FrameDecoderFuzzTest.MAX_CHUNK_BYTES);
    }
    return in.front(stream);
  }

  void writeDecoderSeeds() throws IOException {
    Path dir = RESOURCES.resolve("FrameDecoderFuzzTestInputs/decoderOnlyFailsWithFrameException");
    byte[] transcript =
        concat(hex(HELLO), hex(SETTYPE_CLASSIC), hex(HANDSHAKE_ACCEPT), hex(CLOSE_USERREQUEST));
    write(dir, "captured-frames-whole", decoder(transcript));
    write(dir, "captured-frames-split-in-headers", decoder(transcript, 3, 5, 2, 33, 1, 9, 40));
    int[] bytewise = new int[32];
    java.util.Arrays.fill(bytewise, 1);
    write(dir, "captured-frames-byte-by-byte", decoder(transcript, bytewise));
    write(dir, "length-over-maximum", decoder(OVERSIZED));
    write(dir, "length-over-maximum-after-a-frame", decoder(concat(hex(HELLO), OVERSIZED), 37, 2));
    write(dir, "length-0xffffffff", decoder(hex("ffffffff 00000040 0000")));
    write(dir, "length-shorter-than-header", decoder(SHORT_LENGTH));
    write(dir, "packet-id-above-int-max", decoder(HUGE_ID));
    write(dir, "aes-flag", decoder(AES));
    write(dir, "zlib-bomb", decoder(ZLIB_BOMB, 20));
    write(
        dir,
        "zlib-valid",
        decoder(
            frame(64, FrameFormat.FLAG_COMPRESSED, zlib(MsgpackWriter.toBytes("x".repeat(500))))));
    write(dir, "zlib-truncated", decoder(frame(64, FrameFormat.FLAG_COMPRESSED, hex("789c4b"))));
    write(dir, "zlib-garbage", decoder(frame(64, FrameFormat.FLAG_COMPRESSED, hex("00010203"))));
    write(dir, "truncated-frame", decoder(java.util.Arrays.copyOf(hex(HELLO), 20), 7));
    write(dir, "empty-body", decoder(hex("00000006 00000040 0000 00000006 00000041 0000"), 10));
  }

  void writeServerSeeds() throws IOException {
    Path dir = RESOURCES.resolve("PacketConnectionFuzzTestInputs/serverSurvivesAnyBytes");
    write(
        dir,
        "classic-handshake-then-close",
        new Input()
            .integer(1, 0, 3)
            .data(hex(SETTYPE_CLASSIC))
            .data(hex(HANDSHAKE_ACCEPT))
            .data(appFrame("fuzz:any", map("n", 1L)))
            .app(app("fuzz:chat.text"))
            .data(appFrame("fuzz:game.move", map("x", 1L, "y", 2L, "who", "bob")))
            .data(hex(CLOSE_USERREQUEST)));
    write(
        dir,
        "classic-handshake-split",
        new Input()
            .integer(0, 0, 3)
            .dataInChunks(
                concat(hex(SETTYPE_CLASSIC), hex(HANDSHAKE_ACCEPT), appFrame("fuzz:smart", 7L)),
                5));
    write(
        dir,
        "lobby-guarded-packets",
        new Input()
            .integer(3, 0, 3)
            .data(SETTYPE_LOBBY)
            .data(appFrame("fuzz:lobby.play", "ignored before mode PLAY"))
            .app(SENDABLE_MODE_PLAY)
            .data(appFrame("fuzz:lobby.play", "now accepted"))
            .app(2 * PacketConnectionFuzzTest.SENDABLE.size())
            .data(appFrame("fuzz:smart", "ignored in LOGGEDIN"))
            .app(app("fuzz:secure"))
            .time(4000, false)
            .time(2000, false));
    write(
        dir,
        "lobby-packet-for-the-client",
        new Input().integer(0, 0, 3).data(concat(SETTYPE_LOBBY, appFrame("fuzz:toclient", 1L))));
    write(
        dir,
        "ping",
        new Input().integer(1, 0, 3).data(SETTYPE_PING).data(PING_REQUEST).data(PING_REQUEST));
    // Found by reading PacketConnection: the reply echoes the request, so a request close to the
    // maximum frame length made the encoder throw out of handleData.
    write(
        dir,
        "ping-request-too-large-to-echo",
        new Input()
            .integer(0, 0, 3)
            .data(SETTYPE_PING)
            .data(
                frame(
                    PacketIds.PING_REQUEST,
                    map(
                        "time",
                        1.7e9,
                        "a",
                        "a".repeat(240),
                        "b",
                        "b".repeat(240),
                        "c",
                        "c".repeat(240),
                        "d",
                        "d".repeat(240)))));
    write(
        dir,
        "ping-reply-from-client",
        new Input().integer(0, 0, 3).data(concat(SETTYPE_PING, frame(65, map("oldmsg", map())))));
    write(
        dir,
        "ping-other-packet",
        new Input().integer(0, 0, 3).data(concat(SETTYPE_PING, frame(70, map()))));
    write(
        dir,
        "unknown-conntype",
        new Input().integer(0, 0, 3).data(frame(2, map("conntype", "telnet"))));
    write(dir, "settype-not-a-map", new Input().integer(0, 0, 3).data(frame(2, "classic")));
    write(dir, "settype-without-conntype", new Input().integer(0, 0, 3).data(frame(2, map())));
    write(dir, "hello-to-server", new Input().integer(0, 0, 3).data(hex(HELLO)));
    write(
        dir,
        "handshake-refused",
        new Input()
            .integer(0, 0, 3)
            .data(concat(hex(SETTYPE_CLASSIC), frame(4, map("success", false)))));
    write(
        dir,
        "unknown-packet-id",
        new Input().integer(0, 0, 3).data(concat(SETTYPE_LOBBY, frame(999, 1L))));
    write(
        dir,
        "malformed-application-body",
        new Input()
            .integer(0, 0, 3)
            .data(concat(SETTYPE_LOBBY, appFrame("fuzz:game.move", map("x", "not a number")))));
    write(dir, "oversized-length", new Input().integer(0, 0, 3).data(OVERSIZED));
    write(dir, "aes-flag", new Input().integer(0, 0, 3).data(AES));
    write(dir, "zlib-bomb", new Input().integer(1, 0, 3).data(ZLIB_BOMB));
    write(
        dir,
        "truncated-then-handshake-timeout",
        new Input()
            .integer(0, 0, 3)
            .data(java.util.Arrays.copyOf(hex(SETTYPE_CLASSIC), 11))
            .time(9000, false)
            .time(1000, false)
            .data(hex(HANDSHAKE_ACCEPT)));
    write(
        dir,
        "idle-timeout",
        new Input()
            .integer(2, 0, 3)
            .data(SETTYPE_LOBBY)
            .time(4999, true)
            .time(1, false)
            .data(appFrame("fuzz:any", 1L)));
    write(
        dir,
        "closeconn-nil-reason",
        new Input().integer(0, 0, 3).data(concat(SETTYPE_LOBBY, frame(16, map("reason", null)))));
  }

  static final int SENDABLE_MODE_PLAY = PacketConnectionFuzzTest.SENDABLE.size() + 1;

  static Input client(int kind, int sync, int flags) {
    return new Input().integer(kind, 0, 2).integer(sync, 0, 2).integer(flags, 0, 3);
  }

  void writeClientSeeds() throws IOException {
    Path dir = RESOURCES.resolve("PacketConnectionFuzzTestInputs/clientSurvivesAnyBytes");
    write(
        dir,
        "classic-handshake-then-close",
        client(0, 0, 1)
            .data(hex(HELLO))
            .data(HANDSHAKE)
            .data(appFrame("fuzz:toclient", map("to", "client")))
            .app(app("fuzz:any"))
            .app(app("fuzz:toclient"))
            .data(hex(CLOSE_USERREQUEST)));
    write(
        dir,
        "classic-handshake-byte-by-byte",
        client(0, 0, 0).dataInChunks(concat(hex(HELLO), HANDSHAKE), 1));
    Map<String, Long> shuffled = new LinkedHashMap<>(PacketConnectionFuzzTest.REGISTRY.toWireMap());
    shuffled.put("fuzz:any", 90L);
    shuffled.remove("fuzz:secure");
    shuffled.put("other:packet", 91L);
    byte[] otherRegistry =
        frame(3, map("version", "0.2.0", "protoversion", 2L, "registry", shuffled));
    for (int sync = 0; sync < 3; sync++) {
      write(
          dir,
          "registry-differs-sync-" + sync,
          client(0, sync, 0)
              .data(concat(hex(HELLO), otherRegistry, frame(90, "moved")))
              .app(app("fuzz:any"))
              .app(app("fuzz:secure")));
    }
    Map<String, Long> movedInternal =
        new LinkedHashMap<>(PacketConnectionFuzzTest.REGISTRY.toWireMap());
    movedInternal.put(PacketIds.CLOSE_CONNECTION_NAME, 17L);
    write(
        dir,
        "registry-moves-closeconn",
        client(0, 2, 0)
            .data(
                concat(
                    hex(HELLO),
                    frame(
                        3,
                        map("version", "0.2.0", "protoversion", 2L, "registry", movedInternal)))));
    write(
        dir,
        "registry-duplicate-id",
        client(0, 2, 0)
            .data(
                concat(
                    hex(HELLO),
                    frame(
                        3,
                        map(
                            "version",
                            "0.2.0",
                            "protoversion",
                            2L,
                            "registry",
                            map("a:b", 70L, "c:d", 70L))))));
    write(
        dir,
        "protoversion-mismatch",
        client(0, 0, 0).data(frame(1, map("version", "0.3.0", "protoversion", 3L))));
    write(
        dir,
        "lobby-established-after-hello",
        client(1, 0, 0)
            .data(hex(HELLO))
            .data(appFrame("fuzz:lobby.play", 1L))
            .app(SENDABLE_MODE_PLAY)
            .data(appFrame("fuzz:lobby.play", 2L))
            .app(app("fuzz:lobby.play"))
            .app(app("fuzz:secure")));
    write(
        dir,
        "ping-complete",
        client(2, 0, 0)
            .data(hex(HELLO))
            .time(25, false)
            .data(
                frame(
                    65,
                    map(
                        "oldmsg",
                        map("time", 1.5e9),
                        "players",
                        3L,
                        "peng3dnet",
                        map("version", "0.2.0", "release", "0.2.0", "protoversion", 2L)))));
    write(
        dir,
        "ping-request-from-server",
        client(2, 0, 0).data(concat(hex(HELLO), frame(64, map("time", 1.0)))));
    write(
        dir,
        "ping-reply-not-a-map",
        client(2, 0, 0).data(concat(hex(HELLO), frame(65, List.of(1L)))));
    write(dir, "oversized-length", client(0, 0, 0).data(OVERSIZED));
    write(dir, "aes-flag", client(0, 0, 0).data(concat(hex(HELLO), AES)));
    write(dir, "zlib-bomb", client(0, 0, 0).data(ZLIB_BOMB));
    write(dir, "packet-id-above-int-max", client(0, 0, 0).data(HUGE_ID));
    write(
        dir,
        "truncated-hello-then-timeout",
        client(0, 0, 0).data(java.util.Arrays.copyOf(hex(HELLO), 30)).time(10_000, false));
    write(
        dir,
        "idle-timeout-after-handshake",
        client(0, 0, 2).data(concat(hex(HELLO), HANDSHAKE)).time(6000, false));
    write(dir, "handshake-before-hello", client(0, 0, 0).data(concat(HANDSHAKE, hex(HELLO))));
    write(
        dir,
        "server-closes-with-unknownconntype",
        client(1, 0, 0).data(concat(hex(HELLO), frame(16, map("reason", "unknownconntype")))));
  }

  static void write(Path dir, String name, Input input) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), input.build());
  }
}
