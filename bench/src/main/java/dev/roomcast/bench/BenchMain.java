package dev.roomcast.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.roomcast.bench.scenario.Options;
import dev.roomcast.bench.scenario.Scenarios;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The load generator's command line. Each scenario prints one JSON line, then a human summary:
 *
 * <pre>
 * BenchMain fanout    [--server roomcast|raw|raw-coalescing] [--subscribers 1000] [--messages 500] [--payload 64]
 *                     [--rate 0 (max, windowed) | msgs/s] [--window 128] [--warmup 200] [--client-threads 2]
 * BenchMain idle      [--server …] [--connections 10000] [--room NAME] [--hold-millis 2000]
 * BenchMain churn     [--server …] [--cycles 5000] [--workers 32]
 * BenchMain handshake [--server …] [--cycles 5000] [--workers 32]
 * BenchMain suite     [--out bench/results/latest.json] [--quick] [--skip-jmh]
 * BenchMain jmh       [JMH options]
 * BenchMain retarget  bench/results/latest.json   (recompute ratios and targets of a results file)
 * BenchMain ab SCENARIO --server-classes DIR [--repeats 3] [scenario options]
 *                     (Roomcast as built against Roomcast with DIR's classes first: a proposed change)
 * common: --dial-concurrency 64 --source-addresses 8 --timeout-seconds 120 --server-jvm "-XX:…"
 *         --send-behavior BLOCK|DROP|CLOSE --send-queue 256 --presence false  (Roomcast server only)
 * </pre>
 * Every target is 127.0.0.1 (others are refused); every loop is bounded in count and time.
 */
public final class BenchMain {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: BenchMain fanout|idle|churn|handshake|suite|jmh [--option value ...]");
            System.exit(2);
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (command) {
            case "suite" -> Suite.main(Options.parse(rest));
            case "retarget" -> Suite.retarget(java.nio.file.Path.of(rest.get(0)));
            case "jmh" -> org.openjdk.jmh.Main.main(rest.toArray(String[]::new));
            case "ab" -> AbComparison.main(rest.get(0), Options.parse(rest.subList(1, rest.size())));
            default -> {
                Map<String, Object> result = Scenarios.run(command, Options.parse(rest));
                System.out.println(JSON.writeValueAsString(result));
                System.out.println(Scenarios.summary(result));
            }
        }
        System.exit(0);
    }
}
