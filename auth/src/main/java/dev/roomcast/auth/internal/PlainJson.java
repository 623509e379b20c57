package dev.roomcast.auth.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies parsed JSON into plain, unmodifiable Java values: {@code String}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code List<Object>} and {@code Map<String, Object>}. The JWT
 * library parses into its own (shaded) map types, which must not leak into {@code Identity}.
 */
public final class PlainJson {
    private PlainJson() {
    }

    /**
     * A plain copy of a JSON object. Members whose value is JSON {@code null} are dropped, since an
     * absent claim and a null claim mean the same and {@code Identity} holds no null values.
     */
    public static Map<String, Object> object(Map<?, ?> json) {
        Map<String, Object> copy = new LinkedHashMap<>();
        json.forEach((key, value) -> {
            if (value != null) {
                copy.put(String.valueOf(key), value(value));
            }
        });
        return Collections.unmodifiableMap(copy);
    }

    private static Object value(Object value) {
        return switch (value) {
            case Map<?, ?> map -> object(map);
            case List<?> list -> array(list);
            case Integer i -> i.longValue();
            case Float f -> f.doubleValue();
            default -> value;
        };
    }

    private static List<Object> array(List<?> list) {
        // Arrays keep their nulls so positions stay meaningful; hence no List.copyOf.
        List<Object> copy = new ArrayList<>(list.size());
        for (Object element : list) {
            copy.add(element == null ? null : value(element));
        }
        return Collections.unmodifiableList(copy);
    }
}
