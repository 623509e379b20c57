package dev.roomcast.hub.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded broadcast worker pool: {@code workerCount} lanes, each one thread with a bounded job
 * queue. A job goes to the lane chosen by its key (the room), so one room's broadcasts run in order
 * while different rooms run in parallel. A full lane rejects the job instead of growing.
 */
public final class BroadcastLanes {
    private static final Logger log = LoggerFactory.getLogger(BroadcastLanes.class);

    private final List<BlockingQueue<Runnable>> queues;
    private final List<Thread> threads;
    private final AtomicBoolean stopped = new AtomicBoolean();

    /**
     * Starts the lanes.
     *
     * @param workerCount lanes (threads)
     * @param jobQueueSize jobs that may wait over all lanes (each lane holds its share, at least one)
     * @param namePrefix thread name prefix
     */
    public BroadcastLanes(int workerCount, int jobQueueSize, String namePrefix) {
        int perLane = Math.max(1, jobQueueSize / workerCount);
        queues = new ArrayList<>(workerCount);
        threads = new ArrayList<>(workerCount);
        for (int i = 0; i < workerCount; i++) {
            BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(perLane);
            queues.add(queue);
            Thread t = Thread.ofPlatform().name(namePrefix + i).daemon(true).unstarted(() -> runLane(queue));
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /**
     * Queues {@code job} on the lane of {@code key}; returns false if that lane is full or stopped.
     * A job accepted here is always run, even when {@link #stop} comes right after.
     */
    public boolean submit(Object key, Runnable job) {
        if (stopped.get()) {
            return false;
        }
        int lane = Math.floorMod(key.hashCode() * 0x9E3779B9, queues.size());
        BlockingQueue<Runnable> queue = queues.get(lane);
        if (!queue.offer(job)) {
            return false;
        }
        // stop() may have come between the check above and the offer, and the lane may already have
        // run its last jobs and ended: then nobody would ever take this one. Take it back if it is
        // still queued; if a lane took it, that lane runs it.
        return !(stopped.get() && queue.remove(job));
    }

    /** Whether the calling thread is one of the lanes (a job must not wait for another job then). */
    public boolean isLaneThread() {
        return threads.contains(Thread.currentThread());
    }

    /** Jobs waiting now, over all lanes. */
    public int queuedJobs() {
        int n = 0;
        for (BlockingQueue<Runnable> q : queues) {
            n += q.size();
        }
        return n;
    }

    private void runLane(BlockingQueue<Runnable> queue) {
        while (!stopped.get()) {
            try {
                runSafely(queue.take());
            } catch (InterruptedException e) {
                break; // stop() interrupts idle lanes
            }
        }
        // Jobs left behind still run: each sees the hub stopped and completes its result as such.
        Runnable job;
        while ((job = queue.poll()) != null) {
            runSafely(job);
        }
    }

    private static void runSafely(Runnable job) {
        try {
            job.run();
        } catch (RuntimeException e) {
            log.error("broadcast job failed", e);
        }
    }

    /** Stops the lanes after the jobs they hold; waits up to {@code timeoutMillis} for them. Idempotent. */
    public void stop(long timeoutMillis) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        // Interrupting also ends BLOCK waits in progress, so stop returns promptly.
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0 || t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
