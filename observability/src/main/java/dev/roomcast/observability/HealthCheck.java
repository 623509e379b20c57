package dev.roomcast.observability;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A readiness check an application plugs into {@code /ready}, such as "the database answers": a name,
 * a deadline and a probe. The probe runs on its own virtual thread for each readiness request, so it
 * may block; a probe that returns false, throws or misses its deadline makes the service not ready.
 *
 * @param name    shown in the {@code /ready} body; lower-case letters, digits, {@code _}, {@code .} or {@code -}
 * @param timeout how long the probe may take (at most 30 s)
 * @param probe   answers whether the dependency is usable
 */
public record HealthCheck(String name, Duration timeout, Probe probe) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_.-]{1,64}");
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

    /** Answers whether a dependency is usable; may block up to the check's timeout. */
    @FunctionalInterface
    public interface Probe {
        boolean healthy() throws Exception;
    }

    public HealthCheck {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: expected 1..64 of [a-z0-9_.-] but was '" + name + "'");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout: expected > 0 and <= " + MAX_TIMEOUT + " but was " + timeout);
        }
        Objects.requireNonNull(probe, "probe");
    }

    /** Creates a check. */
    public static HealthCheck of(String name, Duration timeout, Probe probe) {
        return new HealthCheck(name, timeout, probe);
    }
}
