package dev.roomcast.hub;

import dev.roomcast.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Clock} that stands still until a test advances it. Thread-safe. */
final class FakeClock implements Clock {
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    /** Starts away from zero so code that treats 0 as "unset" is caught. */
    private static final long START_NANOS = 1_000_000_000_000L;

    private final AtomicLong nanos = new AtomicLong(START_NANOS);

    @Override
    public Instant now() {
        return EPOCH.plusNanos(nanos.get() - START_NANOS);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves time forward by {@code amount}. */
    void advance(Duration amount) {
        if (amount.isNegative()) {
            throw new IllegalArgumentException("advance: expected a non-negative amount but was " + amount);
        }
        nanos.addAndGet(amount.toNanos());
    }
}
