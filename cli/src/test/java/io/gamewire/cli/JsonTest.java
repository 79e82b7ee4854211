package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void writesScalarsListsAndMaps() {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("s", "text");
    m.put(7L, List.of(1L, 2.5, true, false));
    m.put("none", null);
    m.put("nested", Map.of("k", "v"));
    assertThat(Json.write(m))
        .isEqualTo(
            "{\"s\":\"text\",\"7\":[1,2.5,true,false],\"none\":null,\"nested\":{\"k\":\"v\"}}");
  }

  @Test
  void escapesQuotesBackslashesAndControlCharacters() {
    String nasty = "a\"b\\c\nd\te\u0001f\u2028";
    String json = Json.write(nasty);
    assertThat(json).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001f\\u2028\"");
    assertThat(JsonReader.parse(json)).isEqualTo(nasty);
  }

  @Test
  void writesBytesAsBase64AndNonFiniteNumbersAsNull() {
    assertThat(Json.write(new byte[] {0, 1, 2, (byte) 0xff})).isEqualTo("\"AAEC/w==\"");
    assertThat(Json.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, 1e300)))
        .isEqualTo("[null,null,1.0E300]");
    assertThat(JsonReader.parse(Json.write(1e300))).isEqualTo(1e300);
  }
}
