package dev.roomcast.bench.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} command-line options with typed, defaulted getters. */
public final class Options {
    private final Map<String, String> values;

    private Options(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code --name value} pairs; {@code --flag} alone means true. */
    public static Options parse(List<String> args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --name value but got '" + a + "'");
            }
            if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                values.put(a.substring(2), args.get(++i));
            } else {
                values.put(a.substring(2), "true");
            }
        }
        return new Options(values);
    }

    /** Options from a map, for the suite and tests. */
    public static Options of(Map<String, String> values) {
        return new Options(new LinkedHashMap<>(values));
    }

    /** A copy with {@code name} set. */
    public Options with(String name, Object value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(name, String.valueOf(value));
        return new Options(copy);
    }

    public String string(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    public int integer(String name, int dflt) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : dflt;
    }

    public long longValue(String name, long dflt) {
        return values.containsKey(name) ? Long.parseLong(values.get(name)) : dflt;
    }

    public double decimal(String name, double dflt) {
        return values.containsKey(name) ? Double.parseDouble(values.get(name)) : dflt;
    }

    public boolean flag(String name, boolean dflt) {
        return values.containsKey(name) ? Boolean.parseBoolean(values.get(name)) : dflt;
    }

    /** An int in [min, max], or an exception naming the option. */
    public int bounded(String name, int dflt, int min, int max) {
        int v = integer(name, dflt);
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + ": expected " + min + ".." + max + " but was " + v);
        }
        return v;
    }

    /** Extra server JVM flags, space separated, e.g. {@code --server-jvm "-XX:StartFlightRecording=..."}. */
    public List<String> serverJvmFlags() {
        String v = values.get("server-jvm");
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String s : v.trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Directory or jar put before the server's class path ({@code --server-classes}), or empty. */
    public String serverClasspathPrefix() {
        return values.getOrDefault("server-classes", "");
    }

    /** Options passed through to the server process. */
    public List<String> serverOptions() {
        List<String> out = new ArrayList<>();
        for (String name : List.of("send-behavior", "send-queue", "presence")) {
            if (values.containsKey(name)) {
                out.add("--" + name);
                out.add(values.get(name));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
