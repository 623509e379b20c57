package dev.roomcast.hub;

import dev.roomcast.core.Frame;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's bounded queue of outbound frames, drained by exactly one writer. Offering a frame
 * to an idle queue wakes the writer once; the writer then drains everything queued in one pass (the
 * write coalescing of DESIGN §3) until {@link #drainTo} finds nothing, which makes the queue idle
 * again. When the queue is full, {@link SendBehavior} decides: wait up to the send timeout, drop the
 * frame, or tell the caller to close the connection.
 *
 * <p>The lock guards only the deque and the flags; it is never held while the writer writes or while
 * {@link Writer#wake()} runs. Blocked senders wait on a condition, which releases the lock.
 */
public final class SendQueue {

    /** The single writer: told when frames arrive at an idle queue. Must not block. */
    @FunctionalInterface
    public interface Writer {
        /** Schedules a drain of the queue; called once per transition from idle to non-empty. */
        void wake();
    }

    private final int capacity;
    private final SendBehavior behavior;
    private final long timeoutNanos;
    private final Writer writer;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Frame> frames;
    /** Guarded by {@link #lock}: a drain is scheduled or running, so offers must not wake the writer again. */
    private boolean writerScheduled;
    /** Guarded by {@link #lock}: set once by {@link #close()}. */
    private boolean closed;

    /**
     * Creates a queue.
     *
     * @param capacity frames it holds at most (the {@code sendQueueSize} setting)
     * @param behavior what {@link #offer} does when full
     * @param timeout  how long a {@link SendBehavior#BLOCK} offer waits
     * @param writer   woken when frames arrive at an idle queue
     */
    public SendQueue(int capacity, SendBehavior behavior, Duration timeout, Writer writer) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: expected > 0 but was " + capacity);
        }
        this.capacity = capacity;
        this.behavior = Objects.requireNonNull(behavior, "behavior");
        this.timeoutNanos = timeout.toNanos();
        this.writer = Objects.requireNonNull(writer, "writer");
        this.frames = new ArrayDeque<>(Math.min(capacity, 16));
    }

    /** Queues {@code frame} if there is room now; never waits and never applies the full-queue behaviour. */
    public boolean tryOffer(Frame frame) {
        boolean wake;
        lock.lock();
        try {
            if (closed || frames.size() >= capacity) {
                return false;
            }
            frames.addLast(frame);
            wake = !writerScheduled;
            writerScheduled = true;
        } finally {
            lock.unlock();
        }
        if (wake) {
            writer.wake();
        }
        return true;
    }

    /**
     * Queues {@code frame}, applying the {@link SendBehavior} when full.
     *
     * @param mayBlock false on threads that must not wait (I/O threads): a BLOCK offer then times out at once
     * @return {@link SendResult#ENQUEUED}, {@link SendResult#DROPPED}, {@link SendResult#TIMED_OUT},
     *         {@link SendResult#CLOSED_SLOW} (the caller must close the connection with 1013) or {@link SendResult#NOT_OPEN}
     */
    public SendResult offer(Frame frame, boolean mayBlock) {
        return offer(frame, mayBlock ? timeoutNanos : 0);
    }

    /**
     * Like {@link #offer(Frame, boolean)}, but a {@link SendBehavior#BLOCK} offer waits at most
     * {@code maxWaitNanos} (never longer than the send timeout); 0 means fail at once when full.
     */
    public SendResult offer(Frame frame, long maxWaitNanos) {
        boolean mayBlock = maxWaitNanos > 0;
        long waitNanos = Math.min(maxWaitNanos, timeoutNanos);
        boolean wake;
        lock.lock();
        try {
            if (closed) {
                return SendResult.NOT_OPEN;
            }
            if (frames.size() >= capacity) {
                switch (behavior) {
                    case DROP -> {
                        return SendResult.DROPPED;
                    }
                    case CLOSE -> {
                        return SendResult.CLOSED_SLOW;
                    }
                    case BLOCK -> {
                        if (!mayBlock || !awaitSpace(waitNanos)) {
                            return closed ? SendResult.NOT_OPEN : SendResult.TIMED_OUT;
                        }
                    }
                }
            }
            frames.addLast(frame);
            wake = !writerScheduled;
            writerScheduled = true;
        } finally {
            lock.unlock();
        }
        if (wake) {
            writer.wake();
        }
        return SendResult.ENQUEUED;
    }

    /** Waits for space; returns false on timeout, close or interrupt. Called with the lock held. */
    private boolean awaitSpace(long waitNanos) {
        long remaining = waitNanos;
        try {
            while (!closed && frames.size() >= capacity) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = notFull.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !closed;
    }

    /**
     * Moves queued frames into {@code out}, at most {@code maxFrames} of them and, after the first, no
     * more than {@code maxBytes} in total. Called only by the writer. When nothing is queued it returns
     * 0 and marks the queue idle, so the next offer wakes the writer again.
     */
    public int drainTo(List<Frame> out, int maxFrames, long maxBytes) {
        lock.lock();
        try {
            int n = 0;
            long bytes = 0;
            while (n < maxFrames && !frames.isEmpty()) {
                Frame next = frames.peekFirst();
                if (n > 0 && bytes + next.length() > maxBytes) {
                    break;
                }
                frames.pollFirst();
                out.add(next);
                bytes += next.length();
                n++;
            }
            if (n == 0) {
                writerScheduled = false;
            } else {
                notFull.signalAll();
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Discards queued frames and refuses new ones; wakes blocked senders (they get NOT_OPEN). Idempotent. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            frames.clear();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Frames queued now. */
    public int size() {
        lock.lock();
        try {
            return frames.size();
        } finally {
            lock.unlock();
        }
    }

    /** The capacity. */
    public int capacity() {
        return capacity;
    }

    /** The behaviour when full. */
    public SendBehavior behavior() {
        return behavior;
    }
}
