package io.gamewire.protocol.msgpack;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Maps a record class to a MessagePack map keyed by component name, in declaration order.
 *
 * <p>The mapping is derived once per class (cached in a {@link ClassValue}) and is immutable, so
 * one codec may be shared across threads. Writing follows the caller-mistake regime (unsupported
 * types fail fast when the codec is derived); reading follows the wire regime: unknown keys are
 * skipped so newer peers can add components, and every other surprise (a missing or nil primitive,
 * an integer out of range, an unknown enum name, a duplicate key, a value the record's constructor
 * rejects) is a {@link MalformedMessageException}. A missing reference component reads as {@code
 * null}.
 *
 * <p>Supported component types: {@code String}; {@code boolean}, {@code byte}, {@code short},
 * {@code int}, {@code long}, {@code float}, {@code double} and their boxes; {@code byte[]}; enums
 * (by name); {@code List<X>}; {@code Map<String, X>}; nested records; and {@code Object} (any value
 * {@link MsgpackReader#readValue()} returns or {@link MsgpackWriter#writeValue(Object)} accepts).
 */
public final class RecordCodec<R extends Record> {

  private static final ClassValue<RecordCodec<?>> CODECS =
      new ClassValue<>() {
        @Override
        protected RecordCodec<?> computeValue(Class<?> type) {
          return derive(type.asSubclass(Record.class));
        }
      };

  /**
   * Records whose derivation is running on this thread. A record that contains itself (directly or
   * through others) must not ask the ClassValue for its own codec while computing it.
   */
  private static final ThreadLocal<Set<Class<?>>> DERIVING = ThreadLocal.withInitial(HashSet::new);

  private static final String SUPPORTED =
      "supported: String, boolean, byte, short, int, long, float, double and their boxes, byte[],"
          + " enums, List<X>, Map<String, X>, records and Object";

  private final Class<R> type;
  private final Component[] components;
  private final Map<String, Integer> indexByName;

  /** The canonical constructor, taking its arguments as one Object[]. */
  private final MethodHandle constructor;

  private RecordCodec(
      Class<R> type,
      Component[] components,
      Map<String, Integer> indexByName,
      MethodHandle constructor) {
    this.type = type;
    this.components = components;
    this.indexByName = indexByName;
    this.constructor = constructor;
  }

  /**
   * The codec for {@code type}.
   *
   * @throws IllegalArgumentException naming the record and component if a component's type is not
   *     supported, or if the record's constructor or accessors cannot be made accessible
   */
  public static <R extends Record> RecordCodec<R> of(Class<R> type) {
    Objects.requireNonNull(type, "type");
    if (!type.isRecord()) {
      throw new IllegalArgumentException(type.getName() + " is not a record class");
    }
    @SuppressWarnings("unchecked")
    RecordCodec<R> codec = (RecordCodec<R>) CODECS.get(type);
    return codec;
  }

  /** Writes {@code value} as a map of component name to component value. */
  public void write(R value, MsgpackWriter out) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(out, "out");
    out.enterNested();
    out.writeMapHeader(components.length);
    for (Component component : components) {
      out.writeUtf8String(component.nameUtf8);
      Object componentValue = component.get(value);
      if (componentValue == null) {
        out.writeNil();
      } else {
        component.codec.write(componentValue, out);
      }
    }
    out.exitNested();
  }

  /** Reads a map written by {@link #write} (or by a peer using the same component names). */
  public R read(MsgpackReader in) throws MalformedMessageException {
    Objects.requireNonNull(in, "in");
    long at = in.offset();
    int size = in.readMapHeader();
    in.enterContainer(at);
    Object[] args = new Object[components.length];
    boolean[] seen = new boolean[components.length];
    for (int i = 0; i < size; i++) {
      long keyAt = in.offset();
      if (in.peekKind() != ValueKind.STRING) {
        throw new MalformedMessageException(
            type.getSimpleName() + ": map key at byte offset " + keyAt + " is not a string");
      }
      String key = in.readString();
      Integer index = indexByName.get(key);
      if (index == null) {
        in.skipValue();
        continue;
      }
      Component component = components[index];
      if (seen[index]) {
        throw new MalformedMessageException(
            component.where + " appears twice, again at byte offset " + keyAt);
      }
      seen[index] = true;
      long valueAt = in.offset();
      if (in.peekKind() == ValueKind.NIL) {
        if (component.primitive) {
          throw new MalformedMessageException(
              component.where + " is a primitive but is nil at byte offset " + valueAt);
        }
        in.readNil();
      } else {
        args[index] = component.codec.read(in);
      }
    }
    in.exitContainer();
    for (int i = 0; i < components.length; i++) {
      if (!seen[i] && components[i].primitive) {
        throw new MalformedMessageException(
            "record at byte offset " + at + " lacks primitive component " + components[i].where);
      }
    }
    return construct(args, at);
  }

  private R construct(Object[] args, long at) throws MalformedMessageException {
    try {
      return type.cast((Object) constructor.invokeExact(args));
    } catch (Error e) {
      throw e;
    } catch (Throwable e) {
      // A compact constructor that validates is the record's own wire check.
      throw new MalformedMessageException(
          type.getSimpleName() + " at byte offset " + at + " was rejected by its constructor: " + e,
          e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Derivation

  private static <R extends Record> RecordCodec<R> derive(Class<R> type) {
    Set<Class<?>> deriving = DERIVING.get();
    deriving.add(type);
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RecordComponent[] recordComponents = type.getRecordComponents();
      Component[] components = new Component[recordComponents.length];
      Map<String, Integer> indexByName = new HashMap<>();
      Set<Class<? extends Record>> nested = new HashSet<>();
      Class<?>[] parameterTypes = new Class<?>[recordComponents.length];
      for (int i = 0; i < recordComponents.length; i++) {
        RecordComponent rc = recordComponents[i];
        String where = type.getSimpleName() + "." + rc.getName();
        ValueCodec codec = codecFor(rc.getGenericType(), type, rc.getName(), where, nested);
        MethodHandle accessor = accessor(lookup, type, rc);
        components[i] =
            new Component(rc.getName(), where, rc.getType().isPrimitive(), codec, accessor);
        indexByName.put(rc.getName(), i);
        parameterTypes[i] = rc.getType();
      }
      RecordCodec<R> codec =
          new RecordCodec<>(
              type, components, indexByName, constructor(lookup, type, parameterTypes));
      // Nested records are resolved lazily when used, which is what lets a record contain itself;
      // deriving them here as well reports an unsupported type inside them now, not mid-message.
      for (Class<? extends Record> inner : nested) {
        if (!deriving.contains(inner)) {
          of(inner);
        }
      }
      return codec;
    } finally {
      deriving.remove(type);
    }
  }

  private static MethodHandle accessor(
      MethodHandles.Lookup lookup, Class<?> type, RecordComponent component) {
    Method method = component.getAccessor();
    try {
      method.setAccessible(true);
      return lookup.unreflect(method).asType(MethodType.methodType(Object.class, Record.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot access accessor of record "
              + type.getName()
              + " component '"
              + component.getName()
              + "'; open its package to io.gamewire.protocol: "
              + e,
          e);
    }
  }

  private static MethodHandle constructor(
      MethodHandles.Lookup lookup, Class<?> type, Class<?>[] parameterTypes) {
    try {
      Constructor<?> canonical = type.getDeclaredConstructor(parameterTypes);
      canonical.setAccessible(true);
      MethodHandle handle = lookup.unreflectConstructor(canonical);
      // generic() boxes every parameter to Object, so the spreader can take an Object[].
      return handle
          .asType(handle.type().generic())
          .asSpreader(Object[].class, parameterTypes.length);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot access the canonical constructor of record "
              + type.getName()
              + "; open its package to io.gamewire.protocol: "
              + e,
          e);
    }
  }

  private static ValueCodec codecFor(
      Type type,
      Class<?> record,
      String component,
      String where,
      Set<Class<? extends Record>> nested) {
    if (type instanceof Class<?> c) {
      if (c == String.class) {
        return STRING;
      } else if (c == boolean.class || c == Boolean.class) {
        return BOOLEAN;
      } else if (c == byte.class || c == Byte.class) {
        return new IntegerCodec(where, "byte", Byte.MIN_VALUE, Byte.MAX_VALUE, v -> (byte) v);
      } else if (c == short.class || c == Short.class) {
        return new IntegerCodec(where, "short", Short.MIN_VALUE, Short.MAX_VALUE, v -> (short) v);
      } else if (c == int.class || c == Integer.class) {
        return new IntegerCodec(where, "int", Integer.MIN_VALUE, Integer.MAX_VALUE, v -> (int) v);
      } else if (c == long.class || c == Long.class) {
        return new IntegerCodec(where, "long", Long.MIN_VALUE, Long.MAX_VALUE, v -> v);
      } else if (c == float.class || c == Float.class) {
        return FLOAT;
      } else if (c == double.class || c == Double.class) {
        return DOUBLE;
      } else if (c == byte[].class) {
        return BYTES;
      } else if (c.isEnum()) {
        return new EnumCodec(where, c);
      } else if (c.isRecord()) {
        Class<? extends Record> inner = c.asSubclass(Record.class);
        nested.add(inner);
        return new NestedRecordCodec(inner);
      } else if (c == Object.class) {
        return ANY;
      } else if (c == List.class) {
        return new ListCodec(ANY);
      }
    } else if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (raw == List.class) {
        return new ListCodec(codecFor(args[0], record, component, where + "[]", nested));
      } else if (raw == Map.class && isString(args[0])) {
        return new MapCodec(where, codecFor(args[1], record, component, where + "{}", nested));
      }
    } else if (type instanceof WildcardType w) {
      return codecFor(w.getUpperBounds()[0], record, component, where, nested);
    } else if (type instanceof TypeVariable<?> v) {
      return codecFor(v.getBounds()[0], record, component, where, nested);
    }
    throw new IllegalArgumentException(
        "record "
            + record.getName()
            + " component '"
            + component
            + "' has unsupported type "
            + type.getTypeName()
            + "; "
            + SUPPORTED);
  }

  private static boolean isString(Type type) {
    if (type instanceof WildcardType w) {
      return isString(w.getUpperBounds()[0]);
    }
    return type == String.class;
  }

  // ---------------------------------------------------------------------------------------------
  // Component codecs. Each handles non-null values; nil is handled by the caller.

  private static final class Component {
    final String where;
    final byte[] nameUtf8;
    final boolean primitive;
    final ValueCodec codec;
    private final MethodHandle accessor;

    Component(
        String name, String where, boolean primitive, ValueCodec codec, MethodHandle accessor) {
      this.where = where;
      this.nameUtf8 = name.getBytes(StandardCharsets.UTF_8);
      this.primitive = primitive;
      this.codec = codec;
      this.accessor = accessor;
    }

    Object get(Record record) {
      try {
        return (Object) accessor.invokeExact(record);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException("accessor for " + where + " threw " + e, e);
      }
    }
  }

  private interface ValueCodec {
    void write(Object value, MsgpackWriter out);

    Object read(MsgpackReader in) throws MalformedMessageException;
  }

  private static void writeNullable(ValueCodec codec, Object value, MsgpackWriter out) {
    if (value == null) {
      out.writeNil();
    } else {
      codec.write(value, out);
    }
  }

  private static Object readNullable(ValueCodec codec, MsgpackReader in)
      throws MalformedMessageException {
    if (in.peekKind() == ValueKind.NIL) {
      in.readNil();
      return null;
    }
    return codec.read(in);
  }

  private static final ValueCodec STRING =
      new ValueCodec() {
        @Override
        public void write(Object value, MsgpackWriter out) {
          out.writeString((String) value);
        }

        @Override
        public Object read(MsgpackReader in) throws MalformedMessageException {
          return in.readString();
        }
      };

  private static final ValueCodec BOOLEAN =
      new ValueCodec() {
        @Override
        public void write(Object value, MsgpackWriter out) {
          out.writeBoolean((Boolean) value);
        }

        @Override
        public Object read(MsgpackReader in) throws MalformedMessageException {
          return in.readBoolean();
        }
      };

  private static final ValueCodec FLOAT =
      new ValueCodec() {
        @Override
        public void write(Object value, MsgpackWriter out) {
          out.writeDouble((Float) value);
        }

        @Override
        public Object read(MsgpackReader in) throws MalformedMessageException {
          return (float) in.readDouble();
        }
      };

  private static final ValueCodec DOUBLE =
      new ValueCodec() {
        @Override
        public void write(Object value, MsgpackWriter out) {
          out.writeDouble((Double) value);
        }

        @Override
        public Object read(MsgpackReader in) throws MalformedMessageException {
          return in.readDouble();
        }
      };

  private static final ValueCodec BYTES =
      new ValueCodec() {
        @Override
        public void write(Object value, MsgpackWriter out) {
          out.writeBinary((byte[]) value);
        }

        @Override
        public Object read(MsgpackReader in) throws MalformedMessageException {
          return in.readBinary();
        }
      };

  private static final ValueCodec ANY =
      new ValueCodec() {
        @Override
        public void write(Object value, MsgpackWriter out) {
          out.writeValue(value);
        }

        @Override
        public Object read(MsgpackReader in) throws MalformedMessageException {
          return in.readValue();
        }
      };

  /** Integers are range-checked on read: a peer's 300 must not silently become a byte's 44. */
  private static final class IntegerCodec implements ValueCodec {
    private final String where;
    private final String typeName;
    private final long min;
    private final long max;
    private final LongFunction<Object> box;

    IntegerCodec(String where, String typeName, long min, long max, LongFunction<Object> box) {
      this.where = where;
      this.typeName = typeName;
      this.min = min;
      this.max = max;
      this.box = box;
    }

    @Override
    public void write(Object value, MsgpackWriter out) {
      out.writeLong(((Number) value).longValue());
    }

    @Override
    public Object read(MsgpackReader in) throws MalformedMessageException {
      long at = in.offset();
      long value = in.readLong();
      if (value < min || value > max) {
        throw new MalformedMessageException(
            where + ": " + value + " at byte offset " + at + " is out of range for " + typeName);
      }
      return box.apply(value);
    }
  }

  private static final class EnumCodec implements ValueCodec {
    private final String where;
    private final String enumName;
    private final Map<String, Object> constantsByName = new HashMap<>();

    EnumCodec(String where, Class<?> enumClass) {
      this.where = where;
      this.enumName = enumClass.getSimpleName();
      for (Object constant : enumClass.getEnumConstants()) {
        constantsByName.put(((Enum<?>) constant).name(), constant);
      }
    }

    @Override
    public void write(Object value, MsgpackWriter out) {
      out.writeString(((Enum<?>) value).name());
    }

    @Override
    public Object read(MsgpackReader in) throws MalformedMessageException {
      long at = in.offset();
      String name = in.readString();
      Object constant = constantsByName.get(name);
      if (constant == null) {
        throw new MalformedMessageException(
            where
                + ": "
                + MsgpackReader.quote(name)
                + " at byte offset "
                + at
                + " is not a "
                + enumName
                + " constant");
      }
      return constant;
    }
  }

  private static final class ListCodec implements ValueCodec {
    private final ValueCodec elements;

    ListCodec(ValueCodec elements) {
      this.elements = elements;
    }

    @Override
    public void write(Object value, MsgpackWriter out) {
      List<?> list = (List<?>) value;
      out.enterNested();
      out.writeArrayHeader(list.size());
      for (Object element : list) {
        writeNullable(elements, element, out);
      }
      out.exitNested();
    }

    @Override
    public Object read(MsgpackReader in) throws MalformedMessageException {
      long at = in.offset();
      int length = in.readArrayHeader();
      in.enterContainer(at);
      List<Object> list = new ArrayList<>(Math.min(length, MsgpackReader.MAX_PRESIZED_ELEMENTS));
      for (int i = 0; i < length; i++) {
        list.add(readNullable(elements, in));
      }
      in.exitContainer();
      return list;
    }
  }

  private static final class MapCodec implements ValueCodec {
    private final String where;
    private final ValueCodec values;

    MapCodec(String where, ValueCodec values) {
      this.where = where;
      this.values = values;
    }

    @Override
    public void write(Object value, MsgpackWriter out) {
      Map<?, ?> map = (Map<?, ?>) value;
      out.enterNested();
      out.writeMapHeader(map.size());
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!(entry.getKey() instanceof String key)) {
          throw new IllegalArgumentException(
              where + ": map keys must be non-null Strings, found " + entry.getKey());
        }
        out.writeString(key);
        writeNullable(values, entry.getValue(), out);
      }
      out.exitNested();
    }

    @Override
    public Object read(MsgpackReader in) throws MalformedMessageException {
      long at = in.offset();
      int size = in.readMapHeader();
      in.enterContainer(at);
      Map<String, Object> map = new LinkedHashMap<>();
      for (int i = 0; i < size; i++) {
        long keyAt = in.offset();
        if (in.peekKind() != ValueKind.STRING) {
          throw new MalformedMessageException(
              where + ": map key at byte offset " + keyAt + " is not a string");
        }
        String key = in.readString();
        if (map.containsKey(key)) {
          throw new MalformedMessageException(
              where + ": duplicate map key at byte offset " + keyAt);
        }
        map.put(key, readNullable(values, in));
      }
      in.exitContainer();
      return map;
    }
  }

  /** Looks the nested codec up on use, so a record may contain itself. */
  private static final class NestedRecordCodec implements ValueCodec {
    private final Class<? extends Record> type;

    NestedRecordCodec(Class<? extends Record> type) {
      this.type = type;
    }

    @Override
    public void write(Object value, MsgpackWriter out) {
      writeRecord(type, value, out);
    }

    @Override
    public Object read(MsgpackReader in) throws MalformedMessageException {
      return of(type).read(in);
    }

    private static <T extends Record> void writeRecord(
        Class<T> type, Object value, MsgpackWriter out) {
      of(type).write(type.cast(value), out);
    }
  }
}
