package dev.roomcast.auth;

import dev.roomcast.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so; wall time and monotonic time move together. */
final class FakeClock implements Clock {
    static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final AtomicLong nanosSinceStart = new AtomicLong();

    @Override
    public Instant now() {
        return START.plusNanos(nanosSinceStart.get());
    }

    @Override
    public long nanoTime() {
        // An arbitrary origin, as with System.nanoTime: callers may only use differences.
        return 7_000_000_000L + nanosSinceStart.get();
    }

    void advance(Duration duration) {
        nanosSinceStart.addAndGet(duration.toNanos());
    }

    void setNow(Instant instant) {
        nanosSinceStart.set(Duration.between(START, instant).toNanos());
    }
}
