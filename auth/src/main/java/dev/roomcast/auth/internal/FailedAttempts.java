package dev.roomcast.auth.internal;

import dev.roomcast.core.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts failed attempts per key in a sliding window and blocks a key that reached the limit until
 * its oldest counted failure leaves the window. An attempt counts as a failure from the moment it
 * begins ({@link #tryBegin}) until it is reported as a success ({@link #succeeded}), so parallel
 * guesses cannot slip past the limit while their checks are still running. Memory is bounded: at most {@code maxTrackedKeys} keys are kept, least recently used evicted
 * first, and keys whose failures have all left the window are dropped as they are met. The lock is
 * held only for these few map operations, never around the (slow) check being counted.
 */
public final class FailedAttempts<K> {
    private final int maxFailures;
    private final long windowNanos;
    private final int maxTrackedKeys;
    private final Clock clock;

    private final ReentrantLock lock = new ReentrantLock();
    /** Failure times (monotonic nanos, oldest first) per key, in access order; guarded by {@link #lock}. */
    private final LinkedHashMap<K, ArrayDeque<Long>> failures;

    public FailedAttempts(int maxFailures, Duration window, int maxTrackedKeys, Clock clock) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures: expected at least 1 but was " + maxFailures);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window: expected a positive duration but was " + window);
        }
        if (maxTrackedKeys < 1) {
            throw new IllegalArgumentException("maxTrackedKeys: expected at least 1 but was " + maxTrackedKeys);
        }
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.maxTrackedKeys = maxTrackedKeys;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.failures = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, ArrayDeque<Long>> eldest) {
                return size() > FailedAttempts.this.maxTrackedKeys;
            }
        };
    }

    /** Whether {@code key} is currently blocked; records nothing. */
    public boolean isBlocked(K key) {
        long now = clock.nanoTime();
        lock.lock();
        try {
            ArrayDeque<Long> times = failures.get(key);
            return times != null && prune(times, now) >= maxFailures;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Begins an attempt for {@code key}: returns {@code false} without recording anything when the key
     * is blocked, otherwise records the attempt as a failure and returns {@code true}.
     */
    public boolean tryBegin(K key) {
        long now = clock.nanoTime();
        lock.lock();
        try {
            dropOneExpired(now);
            ArrayDeque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>(maxFailures));
            if (prune(times, now) >= maxFailures) {
                return false;
            }
            times.addLast(now);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets every failure of {@code key}: the attempt it began turned out right. */
    public void succeeded(K key) {
        lock.lock();
        try {
            failures.remove(key);
        } finally {
            lock.unlock();
        }
    }

    /** How many keys are tracked now, for tests and diagnostics. */
    public int trackedKeys() {
        lock.lock();
        try {
            return failures.size();
        } finally {
            lock.unlock();
        }
    }

    /** Removes failures that left the window and returns how many remain. */
    private int prune(ArrayDeque<Long> times, long now) {
        while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
            times.pollFirst();
        }
        return times.size();
    }

    /** Drops the least recently used key if it holds nothing current: a little cleanup per call instead of a sweeper thread. */
    private void dropOneExpired(long now) {
        Iterator<Map.Entry<K, ArrayDeque<Long>>> eldest = failures.entrySet().iterator();
        if (eldest.hasNext() && prune(eldest.next().getValue(), now) == 0) {
            eldest.remove();
        }
    }
}
