package dev.roomcast.bench.scenario;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.bench.ProcStats;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Small pieces every scenario shares. */
final class Common {
    /** Subprotocol the clients offer: several envelopes per server frame. */
    static final String BATCH = "roomcast.batch.v1";

    private Common() {
    }

    static byte[] newSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    static TokenMinter minter(byte[] secret) {
        return new TokenMinter(secret);
    }

    static String token(TokenMinter minter, String subject) {
        return minter.mint(subject, Optional.empty(), Set.of(), Duration.ofHours(1));
    }

    static Histogram latencyHistogram() {
        return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    }

    /** p50/p90/p99/p99.9/max/mean of a nanosecond histogram, in microseconds. */
    static Map<String, Double> micros(Histogram h) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (h.getTotalCount() == 0) {
            return m;
        }
        m.put("p50", h.getValueAtPercentile(50) / 1e3);
        m.put("p90", h.getValueAtPercentile(90) / 1e3);
        m.put("p99", h.getValueAtPercentile(99) / 1e3);
        m.put("p99_9", h.getValueAtPercentile(99.9) / 1e3);
        m.put("max", h.getMaxValue() / 1e3);
        m.put("mean", Math.round(h.getMean() / 10.0) / 100.0);
        return m;
    }

    static long selfCpuNanos() {
        return ProcStats.cpuNanos(ProcessHandle.current().pid());
    }

    static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1e3;
    }

    static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
