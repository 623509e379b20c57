package dev.roomcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.bench.scenario.Options;
import dev.roomcast.bench.scenario.Scenarios;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short run of every scenario against real server processes, checking correctness, not speed:
 * no loss, no duplicates, no reordering, every cycle completed. Small N and short durations keep it
 * to about ten seconds; the full suite runs only with {@code -Pbench} or {@code bench/run.sh}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchSmokeIT {

    private static Map<String, Object> run(String scenario, Options options) throws InterruptedException {
        Map<String, Object> r = Scenarios.run(scenario, options.with("timeout-seconds", 30));
        System.out.println(Scenarios.summary(r));
        return r;
    }

    private static long num(Map<String, Object> r, String key) {
        return ((Number) r.get(key)).longValue();
    }

    @Test
    void fanoutToRoomcastDeliversEveryMessageOnceAndInOrder() throws InterruptedException {
        Map<String, Object> r = run("fanout", Options.of(Map.of()).with("server", "roomcast")
                .with("subscribers", 50).with("messages", 200).with("warmup", 50));
        assertThat(num(r, "lost")).isZero();
        assertThat(num(r, "duplicated")).isZero();
        assertThat(num(r, "outOfOrder")).isZero();
        assertThat(num(r, "unexpectedCloses")).isZero();
        assertThat(num(r, "deliveries")).isEqualTo(50 * 200);
        assertThat(num(r, "deliveriesPerSecond")).isPositive();
        assertThat(((Map<?, ?>) r.get("latencyMicros")).get("p50")).isNotNull();
    }

    @Test
    void fanoutAtAFixedRateToRoomcastLosesNothing() throws InterruptedException {
        Map<String, Object> r = run("fanout", Options.of(Map.of()).with("server", "roomcast")
                .with("subscribers", 20).with("messages", 100).with("warmup", 20).with("rate", 200));
        assertThat(num(r, "lost")).isZero();
        assertThat(num(r, "deliveries")).isEqualTo(20 * 100);
        assertThat(r.get("scenario")).isEqualTo("fanout-rate");
    }

    @Test
    void bothRawBaselinesRelayEveryMessage() throws InterruptedException {
        for (String server : new String[] {"raw", "raw-coalescing"}) {
            Map<String, Object> r = run("fanout", Options.of(Map.of()).with("server", server)
                    .with("subscribers", 20).with("messages", 100).with("warmup", 20));
            assertThat(num(r, "lost")).as(server).isZero();
            assertThat(num(r, "duplicated")).as(server).isZero();
            assertThat(num(r, "outOfOrder")).as(server).isZero();
            assertThat(num(r, "deliveries")).as(server).isEqualTo(20 * 100);
        }
    }

    @Test
    void idleHoldsEveryConnectionAndReportsItsCost() throws InterruptedException {
        Map<String, Object> r = run("idle", Options.of(Map.of()).with("server", "roomcast")
                .with("connections", 100).with("hold-millis", 0));
        assertThat(num(r, "failed")).isZero();
        assertThat(num(r, "serverConnections")).isEqualTo(100);
        assertThat(num(r, "heapBytesPerConnection")).isPositive();
    }

    @Test
    void churnCompletesEveryCycleWithoutErrors() throws InterruptedException {
        Map<String, Object> r = run("churn", Options.of(Map.of()).with("server", "roomcast")
                .with("cycles", 100).with("workers", 4).with("warmup", 10));
        assertThat(num(r, "errors")).isZero();
        assertThat(num(r, "cycles")).isEqualTo(100);
        assertThat(num(r, "cyclesPerSecond")).isPositive();
    }

    @Test
    void handshakeUpgradesWithVerifiedTokens() throws InterruptedException {
        Map<String, Object> r = run("handshake", Options.of(Map.of()).with("server", "roomcast")
                .with("cycles", 100).with("workers", 4).with("warmup", 10));
        assertThat(num(r, "errors")).isZero();
        assertThat(num(r, "cycles")).isEqualTo(100);
    }
}
