package dev.roomcast.hub;

import dev.roomcast.core.Clock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A token-bucket rate limiter: up to {@code burst} actions at once, refilled at {@code ratePerSecond}.
 * Used for the per-connection join limit and the inbound message limit. Thread-safe; driven by the
 * {@link Clock} port so tests advance time by hand.
 */
public final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private double tokens;
    /** Guarded by {@link #lock}. */
    private long lastRefillNanos;

    public TokenBucket(double ratePerSecond, int burst, Clock clock) {
        if (!(ratePerSecond > 0) || burst <= 0) {
            throw new IllegalArgumentException("token bucket: expected rate > 0 and burst > 0 but was "
                    + ratePerSecond + " and " + burst);
        }
        this.ratePerNano = ratePerSecond / 1_000_000_000d;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.lastRefillNanos = clock.nanoTime();
    }

    /** Takes one token if available; returns whether the action may proceed. */
    public boolean tryAcquire() {
        lock.lock();
        try {
            long now = clock.nanoTime();
            tokens = Math.min(burst, tokens + (now - lastRefillNanos) * ratePerNano);
            lastRefillNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }
}
