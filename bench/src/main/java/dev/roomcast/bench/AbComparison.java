package dev.roomcast.bench;

import dev.roomcast.bench.scenario.Options;
import dev.roomcast.bench.scenario.Scenarios;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Before/after of a proposed framework change: runs one scenario against Roomcast as built and
 * against Roomcast with {@code --server-classes DIR} first on the server's class path, alternating
 * {@code --repeats} times so a shared machine's drift hits both alike, and prints the medians.
 */
final class AbComparison {
    private AbComparison() {
    }

    static void main(String scenario, Options o) throws InterruptedException, IOException {
        String variant = o.serverClasspathPrefix();
        if (variant.isEmpty()) {
            throw new IllegalArgumentException("ab: expected --server-classes DIR (the patched classes)");
        }
        int repeats = o.bounded("repeats", 3, 1, 9);
        List<String> metrics = switch (scenario) {
            case "fanout" -> List.of("deliveriesPerSecond", "serverCpuMicrosPerDelivery");
            case "idle" -> List.of("heapBytesPerConnection", "rssBytesPerConnection");
            case "churn" -> List.of("cyclesPerSecond", "serverCpuSeconds");
            case "handshake" -> List.of("upgradesPerSecond", "serverCpuSeconds");
            default -> throw new IllegalArgumentException("ab: unknown scenario " + scenario);
        };
        Options base = o.with("server", "roomcast").with("server-classes", "");
        Options changed = o.with("server", "roomcast");
        List<Map<String, Object>> before = new ArrayList<>();
        List<Map<String, Object>> after = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            for (boolean patched : new boolean[] {false, true}) {
                Map<String, Object> r = Scenarios.run(scenario, patched ? changed : base);
                System.out.println(BenchMain.JSON.writeValueAsString(r));
                System.out.println((patched ? "after:  " : "before: ") + Scenarios.summary(r));
                (patched ? after : before).add(r);
            }
        }
        for (String m : metrics) {
            double b = median(before, m);
            double a = median(after, m);
            System.out.printf("%s: before %.3f, after %.3f (after/before %.3f)%n", m, b, a, b == 0 ? 0 : a / b);
        }
    }

    private static double median(List<Map<String, Object>> runs, String metric) {
        List<Double> values = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            values.add(((Number) r.get(metric)).doubleValue());
        }
        values.sort(Double::compare);
        return values.get(values.size() / 2);
    }
}
