package io.gamewire.connector.internal;

import io.gamewire.protocol.msgpack.MsgpackWriter;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/** Builds raw connector datagrams, including ones no well-behaved encoder would produce. */
final class WireMaps {
  private WireMaps() {}

  /** An ordered map from alternating keys and values. */
  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static byte[] datagram(Object value) {
    return zlib(MsgpackWriter.toBytes(value));
  }

  static byte[] zlib(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Deflater deflater = new Deflater();
    try (DeflaterOutputStream z = new DeflaterOutputStream(out, deflater)) {
      z.write(raw);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    } finally {
      deflater.end();
    }
    return out.toByteArray();
  }
}
