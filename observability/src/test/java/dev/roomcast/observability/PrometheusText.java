package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed Prometheus text exposition (format 0.0.4), for assertions on a real scrape: every sample
 * with its labels and value, and every family's {@code # TYPE}. Parses label values with their
 * escapes ({@code \\}, {@code \"}, {@code \n}); refuses any line it does not understand, so a malformed
 * scrape fails the test.
 */
final class PrometheusText {

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                types.put(parts[0], parts[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line));
        }
        return new PrometheusText(samples, types);
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        assertThat(name).as("metric name in: %s", line).matches("[a-zA-Z_:][a-zA-Z0-9_:]*");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                assertThat(line.charAt(eq + 1)).as("quoted label value in: %s", line).isEqualTo('"');
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        return new Sample(name, labels, parseValue(rest[0]));
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    /** The sample of {@code name} whose labels include {@code labelPairs} (name, value, ...), if exactly one. */
    Optional<Double> find(String name, String... labelPairs) {
        List<Sample> matches = samples.stream().filter(s -> s.name().equals(name) && hasLabels(s, labelPairs)).toList();
        assertThat(matches.size()).as("samples of %s %s", name, List.of(labelPairs)).isLessThanOrEqualTo(1);
        return matches.isEmpty() ? Optional.empty() : Optional.of(matches.getFirst().value());
    }

    /** The value of that sample; fails when absent. */
    double value(String name, String... labelPairs) {
        return find(name, labelPairs).orElseThrow(() -> new AssertionError(
                "expected a sample " + name + " " + List.of(labelPairs) + " in the scrape"));
    }

    /** The value of that sample, or 0 when absent (a counter never incremented). */
    double valueOrZero(String name, String... labelPairs) {
        return find(name, labelPairs).orElse(0.0);
    }

    /** The sum over every sample of {@code name}. */
    double sum(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    /** Every sample of {@code name}. */
    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The family's {@code # TYPE}, if declared. */
    Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** Whether any sample's name is {@code name}. */
    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    private static boolean hasLabels(Sample s, String... pairs) {
        for (int k = 0; k < pairs.length; k += 2) {
            if (!pairs[k + 1].equals(s.labels().get(pairs[k]))) {
                return false;
            }
        }
        return true;
    }
}
