package dev.roomcast.hub;

import dev.roomcast.core.Clock;

/**
 * A token-bucket rate limiter: up to {@code burst} actions at once, refilled at {@code ratePerSecond}.
 * Used for the per-connection join limit and the inbound message limit. Thread-safe; driven by the
 * {@link Clock} port so tests advance time by hand.
 *
 * <p>Every connection holds two of these, so the bucket guards its state with its own monitor
 * rather than a {@code ReentrantLock} (about 48 bytes more per bucket). {@link #tryAcquire} holds the
 * monitor for a few arithmetic steps and never blocks inside it, so a virtual thread pinned there
 * on JDK 21 costs nothing.
 */
public final class TokenBucket {
    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    private final double ratePerSecond;
    private final double burst;
    private final Clock clock;
    /**
     * Guarded by this bucket's monitor: the tokens held at {@link #baseNanos}, before any refill since
     * then. Always a whole number. The refill since {@code baseNanos} is computed in one step on every
     * call, rather than added in small increments, so rounding errors never accumulate: a caller
     * polling every few milliseconds gets its token at exactly {@code 1 / ratePerSecond}.
     */
    private double baseTokens;
    /** Guarded by this bucket's monitor: when {@link #baseTokens} was last reset (at creation or when the bucket was full). */
    private long baseNanos;

    public TokenBucket(double ratePerSecond, int burst, Clock clock) {
        if (!(ratePerSecond > 0) || burst <= 0) {
            throw new IllegalArgumentException("token bucket: expected rate > 0 and burst > 0 but was "
                    + ratePerSecond + " and " + burst);
        }
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.clock = clock;
        this.baseTokens = burst;
        this.baseNanos = clock.nanoTime();
    }

    /** Takes one token if available; returns whether the action may proceed. Never blocks. */
    public synchronized boolean tryAcquire() {
        long now = clock.nanoTime();
        double tokens = baseTokens + (now - baseNanos) * ratePerSecond / NANOS_PER_SECOND;
        if (tokens >= burst) {
            baseTokens = burst;
            baseNanos = now;
            tokens = burst;
        }
        if (tokens < 1) {
            return false;
        }
        baseTokens -= 1;
        return true;
    }
}
