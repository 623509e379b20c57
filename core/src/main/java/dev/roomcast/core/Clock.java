package dev.roomcast.core;

import java.time.Instant;

/**
 * Port: the time source of rate limiters, heartbeats and token validation, so tests can drive time
 * by hand instead of sleeping.
 */
public interface Clock {

    /** Wall-clock time, for token {@code exp}/{@code nbf}. */
    Instant now();

    /** Monotonic nanoseconds, for intervals and rates. */
    long nanoTime();

    /** The system clock. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
