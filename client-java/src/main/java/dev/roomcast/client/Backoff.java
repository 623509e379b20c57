package dev.roomcast.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: before reconnect attempt {@code n} (0 for the first after a
 * loss) the client waits a uniformly random time in {@code [0, min(max, min × multiplier^n)]}. Full
 * jitter spreads a fleet of clients that lost the same server over the whole window instead of
 * sending them back in waves. Defaults: min 250 ms, max 30 s, multiplier 2.
 *
 * @param min        the ceiling of the first wait, &gt; 0
 * @param max        the largest ceiling, ≥ {@code min}
 * @param multiplier how much the ceiling grows per failed attempt, ≥ 1
 */
public record Backoff(Duration min, Duration max, double multiplier) {

    public Backoff {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("min: expected > 0 but was " + min);
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("max: expected >= min (" + min + ") but was " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier: expected a finite value >= 1 but was " + multiplier);
        }
    }

    /** The backoff with the given bounds. */
    public static Backoff of(Duration min, Duration max, double multiplier) {
        return new Backoff(min, max, multiplier);
    }

    /** 250 ms, 30 s, ×2. */
    public static Backoff defaults() {
        return new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), 2.0);
    }

    /** The largest wait before attempt {@code attempt} (≥ 0): {@code min(max, min × multiplier^attempt)}. */
    public Duration ceiling(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt: expected >= 0 but was " + attempt);
        }
        double nanos = min.toNanos() * Math.pow(multiplier, attempt);
        return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
    }

    /** A random wait in {@code [0, ceiling(attempt)]} drawn from {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        long ceiling = ceiling(attempt).toNanos();
        return Duration.ofNanos(random.nextLong(ceiling + 1));
    }
}
