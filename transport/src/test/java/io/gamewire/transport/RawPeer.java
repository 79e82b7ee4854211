package io.gamewire.transport;

import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Speaks peng3dnet framing by hand over a blocking stream, the way a foreign peer would. */
final class RawPeer {
  record Frame(int id, int flags, byte[] body) {
    Object value() throws Exception {
      return MsgpackReader.decode(body, MsgpackLimits.DEFAULT);
    }
  }

  private final DataInputStream in;
  private final DataOutputStream out;

  RawPeer(InputStream in, OutputStream out) {
    this.in = new DataInputStream(in);
    this.out = new DataOutputStream(out);
  }

  Frame readFrame() throws IOException {
    int length = in.readInt();
    int id = in.readInt();
    int flags = in.readUnsignedShort();
    byte[] body = new byte[length - 6];
    in.readFully(body);
    return new Frame(id, flags, body);
  }

  void writeFrame(int id, Object value) throws IOException {
    writeRaw(id, 0, MsgpackWriter.toBytes(value));
  }

  void writeRaw(int id, int flags, byte[] body) throws IOException {
    out.writeInt(body.length + 6);
    out.writeInt(id);
    out.writeShort(flags);
    out.write(body);
    out.flush();
  }

  void writeBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads frames until the peer sends closeconn or the stream ends; returns the reason or null. */
  String readUntilClose() throws Exception {
    while (true) {
      Frame f;
      try {
        f = readFrame();
      } catch (java.io.EOFException e) {
        return null;
      }
      if (f.id() == 16) {
        Object v = f.value();
        return v instanceof java.util.Map<?, ?> m ? String.valueOf(m.get("reason")) : null;
      }
    }
  }
}
