package dev.roomcast.hub;

import dev.roomcast.core.Frame;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's bounded queue of outbound frames, drained by exactly one writer. Offering a frame
 * to an idle queue wakes the writer once; the writer then drains everything queued in one pass (the
 * write coalescing of DESIGN §3) until {@link #drainTo} finds nothing, which makes the queue idle
 * again. When the queue is full, {@link SendBehavior} decides: wait up to the send timeout, drop the
 * frame, or tell the caller to close the connection.
 *
 * <p>Offers and drains take no lock. A broadcast lane offers to thousands of queues while their I/O
 * threads drain them, and a lock per queue made the two contend on every frame (a profile showed
 * a fifth of the server's fan-out time in lock hand-offs). Capacity is a counter reserved by
 * compare-and-set before the frame goes into a lock-free list; the writer's wake-up is a flag set
 * by the offer that finds the queue idle. Only {@link SendBehavior#BLOCK} senders facing a full
 * queue use a lock and condition, created the first time one has to wait, so an idle queue holds
 * no lock object at all.
 */
public final class SendQueue {

    /** The single writer: told when frames arrive at an idle queue. Must not block. */
    @FunctionalInterface
    public interface Writer {
        /** Schedules a drain of the queue; called once per transition from idle to non-empty. */
        void wake();
    }

    private static final AtomicIntegerFieldUpdater<SendQueue> COUNT =
            AtomicIntegerFieldUpdater.newUpdater(SendQueue.class, "count");
    private static final AtomicIntegerFieldUpdater<SendQueue> WRITER_SCHEDULED =
            AtomicIntegerFieldUpdater.newUpdater(SendQueue.class, "writerScheduled");
    private static final AtomicIntegerFieldUpdater<SendQueue> BLOCKED_SENDERS =
            AtomicIntegerFieldUpdater.newUpdater(SendQueue.class, "blockedSenders");
    private static final AtomicReferenceFieldUpdater<SendQueue, SpaceWait> SPACE_WAIT =
            AtomicReferenceFieldUpdater.newUpdater(SendQueue.class, SpaceWait.class, "spaceWait");

    private final int capacity;
    private final SendBehavior behavior;
    private final long timeoutNanos;
    private final Writer writer;

    private final ConcurrentLinkedQueue<Frame> frames = new ConcurrentLinkedQueue<>();
    /** Slots taken: frames queued plus offers that reserved a slot and are about to add their frame. */
    private volatile int count;
    /** 1 while a drain is scheduled or running, so offers must not wake the writer again. */
    private volatile int writerScheduled;
    /** Set once by {@link #close()}. */
    private volatile boolean closed;
    /** BLOCK offers waiting for space now; the writer signals only when there are some. */
    private volatile int blockedSenders;
    /** Where BLOCK offers wait; null until the first one has to. */
    private volatile SpaceWait spaceWait;

    /** The lock and condition of the (rare) BLOCK senders that wait for space. */
    private static final class SpaceWait {
        final ReentrantLock lock = new ReentrantLock();
        final Condition space = lock.newCondition();

        /** Wakes every sender waiting for space. */
        void signalAll() {
            lock.lock();
            try {
                space.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

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
    }

    /** Queues {@code frame} if there is room now; never waits and never applies the full-queue behaviour. */
    public boolean tryOffer(Frame frame) {
        if (closed || !reserveSlot()) {
            return false;
        }
        add(frame);
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
        return offer(frame, maxWaitNanos, behavior);
    }

    /**
     * Like {@link #offer(Frame, long)}, but applies {@code whenFull} rather than this queue's own
     * behaviour if the queue is full: how a room with a send behaviour of its own reaches a connection
     * whose queue it shares with other rooms.
     */
    public SendResult offer(Frame frame, long maxWaitNanos, SendBehavior whenFull) {
        if (closed) {
            return SendResult.NOT_OPEN;
        }
        if (!reserveSlot()) {
            switch (whenFull) {
                case DROP -> {
                    return SendResult.DROPPED;
                }
                case CLOSE -> {
                    return SendResult.CLOSED_SLOW;
                }
                case BLOCK -> {
                    if (maxWaitNanos <= 0 || !awaitSlot(Math.min(maxWaitNanos, timeoutNanos))) {
                        return closed ? SendResult.NOT_OPEN : SendResult.TIMED_OUT;
                    }
                }
            }
        }
        add(frame);
        return SendResult.ENQUEUED;
    }

    /** Takes one slot if the queue is below capacity. */
    private boolean reserveSlot() {
        while (true) {
            int taken = count;
            if (taken >= capacity) {
                return false;
            }
            if (COUNT.compareAndSet(this, taken, taken + 1)) {
                return true;
            }
        }
    }

    /** Adds a frame whose slot is reserved; the offer that finds the queue idle wakes the writer. */
    private void add(Frame frame) {
        frames.offer(frame);
        if (writerScheduled == 0 && WRITER_SCHEDULED.compareAndSet(this, 0, 1)) {
            writer.wake();
        }
    }

    /**
     * Waits until a slot is reserved; returns false on timeout, close or interrupt. The waiter counts
     * itself in {@link #blockedSenders} before it looks at the count, and the writer frees slots
     * before it looks at {@link #blockedSenders}, so one of the two always sees the other: a freed
     * slot is either taken here directly or signalled.
     */
    private boolean awaitSlot(long waitNanos) {
        SpaceWait wait = spaceWait();
        long deadline = System.nanoTime() + waitNanos;
        BLOCKED_SENDERS.incrementAndGet(this);
        wait.lock.lock();
        try {
            while (true) {
                if (closed) {
                    return false;
                }
                if (reserveSlot()) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait.space.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            wait.lock.unlock();
            BLOCKED_SENDERS.decrementAndGet(this);
        }
    }

    private SpaceWait spaceWait() {
        SpaceWait wait = spaceWait;
        if (wait == null) {
            SPACE_WAIT.compareAndSet(this, null, new SpaceWait());
            wait = spaceWait;
        }
        return wait;
    }

    /** Wakes the BLOCK senders waiting for space, if any. */
    private void signalSpace() {
        if (blockedSenders == 0) {
            return;
        }
        spaceWait.signalAll(); // set before any sender counted itself as blocked
    }

    /**
     * Moves queued frames into {@code out}, at most {@code maxFrames} of them and, after the first, no
     * more than {@code maxBytes} in total. Called only by the writer. When nothing is queued it returns
     * 0 and marks the queue idle, so the next offer wakes the writer again.
     */
    public int drainTo(List<Frame> out, int maxFrames, long maxBytes) {
        int n = 0;
        long bytes = 0;
        Frame next;
        while (n < maxFrames && (next = frames.peek()) != null) {
            if (n > 0 && bytes + next.length() > maxBytes) {
                break;
            }
            frames.poll(); // the only consumer: this is the frame just peeked
            out.add(next);
            bytes += next.length();
            n++;
        }
        if (n > 0) {
            COUNT.addAndGet(this, -n);
            signalSpace();
            return n;
        }
        writerScheduled = 0;
        // An offer that added its frame after our last look saw the writer still scheduled and did
        // not wake it: take that frame now, unless a newer offer has already woken the writer.
        if (!frames.isEmpty() && WRITER_SCHEDULED.compareAndSet(this, 0, 1)) {
            return drainTo(out, maxFrames, maxBytes);
        }
        return 0;
    }

    /** Discards queued frames and refuses new ones; wakes blocked senders (they get NOT_OPEN). Idempotent. */
    public void close() {
        closed = true;
        frames.clear();
        count = 0;
        SpaceWait wait = spaceWait;
        if (wait != null) {
            wait.signalAll();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Frames queued now (including offers completing at this instant). */
    public int size() {
        return Math.max(0, count); // a drain racing with close() may briefly take the count below zero
    }

    /** The capacity. */
    public int capacity() {
        return capacity;
    }

    /** The behaviour when full, unless an offer names another ({@link #offer(Frame, long, SendBehavior)}). */
    public SendBehavior behavior() {
        return behavior;
    }
}
