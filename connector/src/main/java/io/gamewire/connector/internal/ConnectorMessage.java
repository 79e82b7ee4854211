package io.gamewire.connector.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One connector message: its {@code type}, its fields in the order {@link MessageSchema} lists
 * them, and the optional {@code msgID} and {@code replyData} any message may carry
 * (docs/CONNECTOR.md). A decoded message has passed {@link MessageSchema#validate}; a built one is
 * checked when encoded.
 */
public final class ConnectorMessage {
  private final String type;
  private final Map<String, Object> fields = new LinkedHashMap<>();
  private Long msgId;
  private Object replyData;
  private boolean hasReplyData;

  private ConnectorMessage(String type) {
    this.type = Objects.requireNonNull(type, "type");
  }

  public static ConnectorMessage of(String type) {
    return new ConnectorMessage(type);
  }

  public String type() {
    return type;
  }

  /** Sets a field; an Integer is stored as the Long the wire decodes to. */
  public ConnectorMessage put(String name, Object value) {
    Objects.requireNonNull(value, name);
    fields.put(
        Objects.requireNonNull(name, "name"),
        value instanceof Integer i ? Long.valueOf(i.longValue()) : value);
    return this;
  }

  public ConnectorMessage msgId(Long id) {
    this.msgId = id;
    return this;
  }

  public ConnectorMessage replyData(Object data) {
    this.replyData = data;
    this.hasReplyData = true;
    return this;
  }

  /** The request's msgID, or null. */
  public Long msgId() {
    return msgId;
  }

  public boolean hasReplyData() {
    return hasReplyData;
  }

  public Object replyData() {
    return replyData;
  }

  public Map<String, Object> fields() {
    return Collections.unmodifiableMap(fields);
  }

  public boolean has(String name) {
    return fields.containsKey(name);
  }

  public Object get(String name) {
    return fields.get(name);
  }

  public String string(String name) {
    return (String) fields.get(name);
  }

  public long integer(String name) {
    return (Long) fields.get(name);
  }

  public int port(String name) {
    return (int) integer(name);
  }

  @Override
  public String toString() {
    return type + fields + (msgId == null ? "" : " msgID=" + msgId);
  }
}
