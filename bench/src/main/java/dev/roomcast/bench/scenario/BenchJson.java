package dev.roomcast.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** JSON trees to plain maps, so results stay plain maps all the way to the output. */
final class BenchJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchJson() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> toMap(JsonNode node) {
        return JSON.convertValue(node, Map.class);
    }
}
