package dev.roomcast.core;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads settings by name from an explicit source, for applications and examples: the library itself
 * never reads the environment. A name such as {@code ROOMCAST_PORT} is looked up in the environment
 * map first, then as the system property {@code roomcast.port}. Bad values fail with a message that
 * names the variable (and never echoes a secret).
 */
public final class ConfigSources {
    private final Map<String, String> environment;
    private final Map<String, String> properties;

    /** Reads from the given maps (tests pass their own). */
    public ConfigSources(Map<String, String> environment, Map<String, String> properties) {
        this.environment = Map.copyOf(environment);
        this.properties = Map.copyOf(properties);
    }

    /** Reads from this process's environment and system properties. */
    public static ConfigSources fromProcess() {
        Map<String, String> props = new java.util.HashMap<>();
        System.getProperties().forEach((k, v) -> props.put(String.valueOf(k), String.valueOf(v)));
        return new ConfigSources(System.getenv(), props);
    }

    /** The raw value of {@code name}, if set and not blank. */
    public Optional<String> string(String name) {
        Objects.requireNonNull(name, "name");
        String value = environment.get(name);
        if (value == null || value.isBlank()) {
            value = properties.get(propertyName(name));
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** {@code name} as text, or {@code fallback}. */
    public String string(String name, String fallback) {
        return string(name).orElse(fallback);
    }

    /** {@code name} as an int, or {@code fallback}; a non-number fails naming the variable. */
    public int integer(String name, int fallback) {
        Optional<String> raw = string(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.get());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(java.util.List.of(name + ": expected an integer but was '" + raw.get() + "'"));
        }
    }

    /**
     * {@code name} as a finite number above 0 (decimals allowed, such as {@code 0.5}), if set; anything
     * else (text, 0, a negative number, {@code NaN}, {@code Infinity}) fails naming the variable.
     */
    public Optional<Double> positiveNumber(String name) {
        Optional<String> raw = string(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        double value;
        try {
            value = Double.parseDouble(raw.get());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new InvalidConfigException(java.util.List.of(name + ": expected a number > 0 but was '" + raw.get() + "'"));
        }
        return Optional.of(value);
    }

    /** {@code name} as a boolean ({@code true}/{@code false}), or {@code fallback}. */
    public boolean bool(String name, boolean fallback) {
        Optional<String> raw = string(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        return switch (raw.get().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new InvalidConfigException(java.util.List.of(name + ": expected true or false but was '" + raw.get() + "'"));
        };
    }

    /** {@code name} as secret bytes (UTF-8), if set; the value never appears in an error message. */
    public Optional<byte[]> secret(String name) {
        return string(name).map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    static String propertyName(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '.');
    }
}
