package dev.roomcast.hub.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When a graceful shutdown closes each of {@code members} connections, and what reconnect hint each
 * one is sent, so that a fleet of clients neither loses its connections nor reconnects in one spike.
 *
 * <p>The members (by index, in the order the hub lists them) are shuffled and cut into
 * {@code batches} batches of near-equal size. The batches start at even intervals over the first
 * {@code spread} share of the deadline, batch {@code b} at {@code b × slot} plus a jitter of up to
 * half a slot ({@code slot = spread × deadline / batches}), so the rest of the deadline is left for
 * the last batch to drain. A single batch starts at once, without jitter. Each member's
 * {@code reconnectAfterMs} is its batch's start plus a uniform jitter in
 * {@code [0, reconnectWindow]}: counted from the {@code shutdown} event, it is never earlier than the
 * member's own close is asked for.
 *
 * <p>Pure and deterministic for a given {@link RandomGenerator}; not thread-safe.
 */
public final class DrainPlan {
    private final int[] batchOf;
    private final long[] batchStartNanos;
    private final long[] reconnectAfterMs;

    private DrainPlan(int[] batchOf, long[] batchStartNanos, long[] reconnectAfterMs) {
        this.batchOf = batchOf;
        this.batchStartNanos = batchStartNanos;
        this.reconnectAfterMs = reconnectAfterMs;
    }

    /**
     * Plans the shutdown of {@code members} connections.
     *
     * @param members         how many connections to close, at least 0
     * @param deadline        the shutdown deadline, positive
     * @param batches         how many batches, at least 1 (fewer are used when there are fewer members)
     * @param spread          share of the deadline over which batches start, in (0, 1]
     * @param reconnectWindow how far reconnect hints are spread past a member's batch start, not negative
     * @param random          the jitter source (seed it for a repeatable plan)
     */
    public static DrainPlan of(int members, Duration deadline, int batches, double spread, Duration reconnectWindow,
                               RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        if (members < 0) {
            throw new IllegalArgumentException("members: expected >= 0 but was " + members);
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline: expected a positive duration but was " + deadline);
        }
        if (batches < 1) {
            throw new IllegalArgumentException("batches: expected >= 1 but was " + batches);
        }
        if (!(spread > 0 && spread <= 1)) {
            throw new IllegalArgumentException("spread: expected a share in (0, 1] but was " + spread);
        }
        if (reconnectWindow.isNegative()) {
            throw new IllegalArgumentException("reconnectWindow: expected a duration >= 0 but was " + reconnectWindow);
        }
        int used = Math.max(1, Math.min(batches, members));
        long slot = (long) (deadline.toNanos() * spread / used);
        long[] starts = new long[used];
        for (int b = 1; b < used; b++) { // batch 0 starts at once: the first closes need no delay
            starts[b] = b * slot + random.nextLong(slot / 2 + 1);
        }
        // A shuffled order, cut into contiguous runs: who is in which batch does not follow join order.
        int[] order = new int[members];
        for (int i = 0; i < members; i++) {
            order[i] = i;
        }
        for (int i = members - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] batchOf = new int[members];
        long[] hints = new long[members];
        long windowMs = reconnectWindow.toMillis();
        for (int position = 0; position < members; position++) {
            int member = order[position];
            int batch = (int) ((long) position * used / members);
            batchOf[member] = batch;
            hints[member] = ceilMillis(starts[batch]) + random.nextLong(windowMs + 1);
        }
        return new DrainPlan(batchOf, starts, hints);
    }

    /** How many batches the plan has: at most the configured number, at least 1. */
    public int batchCount() {
        return batchStartNanos.length;
    }

    /** When batch {@code batch} is to be closed, counted from the start of the shutdown. */
    public Duration batchStart(int batch) {
        return Duration.ofNanos(batchStartNanos[batch]);
    }

    /** The batch of member {@code member}. */
    public int batchOf(int member) {
        return batchOf[member];
    }

    /** The {@code reconnectAfterMs} hint for member {@code member}. */
    public long reconnectAfterMs(int member) {
        return reconnectAfterMs[member];
    }

    /** Rounds nanoseconds up to whole milliseconds, so a hint never falls before its batch start. */
    private static long ceilMillis(long nanos) {
        return (nanos + 999_999) / 1_000_000;
    }
}
