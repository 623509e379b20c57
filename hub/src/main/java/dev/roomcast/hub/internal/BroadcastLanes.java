package dev.roomcast.hub.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's bounded broadcast lanes: {@code laneCount} serial queues of jobs. A job goes to the lane
 * chosen by its key (the room), so one room's broadcasts run one after another, in order, while
 * different rooms run in parallel. A full lane rejects the job instead of growing.
 *
 * <p>A lane has no thread of its own. Whoever finds it idle runs its jobs: the submitting thread
 * itself when it says it may (a virtual thread that holds no lock a job could need: a connection's
 * reader publishing, a handler broadcasting), otherwise a runner thread from a small pool. The
 * first saves a hand-off per broadcast, which was most of the cost of a broadcast to a small room;
 * a caller that runs a lane runs at most {@link #INLINE_BUDGET} jobs, then hands what is left to a
 * runner, so it is never held up long by other rooms' traffic. Jobs may block (a {@code BLOCK} send
 * waits for space), which is why an I/O thread runs a job only in the mode that never waits
 * ({@link #submitWithoutWaiting}): the job runs there while its lane is idle, and the part of it that
 * would wait continues on a runner, the lane still owned, so nothing overtakes it. Runners are
 * platform threads, at most one per lane, so lanes keep moving even when CPU-bound virtual threads
 * occupy every carrier.
 */
public final class BroadcastLanes {
    private static final Logger log = LoggerFactory.getLogger(BroadcastLanes.class);
    /** Most jobs a submitting thread runs before it hands the rest of its lane to a runner thread. */
    static final int INLINE_BUDGET = 64;

    private final List<Lane> lanes;
    /** Runs lanes that no submitting thread may run; at most one task per lane at a time. */
    private final ExecutorService runners;
    /** The lane the current thread is running jobs of, if any. */
    private final ThreadLocal<Lane> running = new ThreadLocal<>();
    /** Set while the current thread runs a job that must not wait ({@link #submitWithoutWaiting}). */
    private final ThreadLocal<WithoutWaiting> withoutWaiting = new ThreadLocal<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Name of a runner started after the pool stopped taking them ({@link #startRunner}). */
    private final String runnerName;

    /** One job run by a thread that must not wait, and the rest of it it handed to a runner, if any. */
    private static final class WithoutWaiting {
        Runnable rest;
    }

    /** One lane: its queued jobs, how many, and whether a thread is running them. */
    private static final class Lane {
        final int capacity;
        final ConcurrentLinkedQueue<Runnable> jobs = new ConcurrentLinkedQueue<>();
        /** Jobs accepted and not yet started. */
        final AtomicInteger queued = new AtomicInteger();
        /** Set while one thread runs this lane's jobs; at most one does at a time. */
        final AtomicBoolean owned = new AtomicBoolean();
        /** The thread running the jobs now, for {@link #stop}; null when idle. */
        volatile Thread runner;

        Lane(int capacity) {
            this.capacity = capacity;
        }

        boolean reserve() {
            while (true) {
                int n = queued.get();
                if (n >= capacity) {
                    return false;
                }
                if (queued.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }
    }

    /**
     * Creates the lanes.
     *
     * @param laneCount    lanes (the {@code workerCount} setting)
     * @param jobQueueSize jobs that may wait over all lanes (each lane holds its share, at least one)
     * @param namePrefix   name prefix of the runner threads
     */
    public BroadcastLanes(int laneCount, int jobQueueSize, String namePrefix) {
        int perLane = Math.max(1, jobQueueSize / laneCount);
        this.runnerName = namePrefix + "late";
        this.runners = Executors.newCachedThreadPool(Thread.ofPlatform().name(namePrefix, 0).daemon(true).factory());
        List<Lane> all = new ArrayList<>(laneCount);
        for (int i = 0; i < laneCount; i++) {
            all.add(new Lane(perLane));
        }
        this.lanes = List.copyOf(all);
    }

    /** Queues {@code job} on the lane of {@code key}, run by a runner thread; see {@link #submit(Object, Runnable, boolean)}. */
    public boolean submit(Object key, Runnable job) {
        return submit(key, job, false);
    }

    /**
     * Queues {@code job} on the lane of {@code key}; returns false if that lane is full or the lanes
     * are stopped. A job accepted here is always run, even when {@link #stop} comes right after.
     *
     * @param callerMayRun whether the calling thread may run the lane's jobs itself when the lane is
     *                     idle: only a virtual thread holding no lock that a job could take (jobs take
     *                     room locks and may wait for space in send queues). It then returns after
     *                     running them, so the job is done when this returns true.
     */
    public boolean submit(Object key, Runnable job, boolean callerMayRun) {
        if (stopped.get()) {
            return false;
        }
        Lane lane = laneOf(key);
        if (!lane.reserve()) {
            return false;
        }
        enqueue(lane, job, callerMayRun && running.get() == null);
        return true;
    }

    /**
     * Runs {@code job} on the calling thread, which must not wait (a transport's I/O thread), if the
     * lane of {@code key} is idle with nothing queued; otherwise queues it for a runner, like
     * {@link #submit(Object, Runnable)}. Returns false if that lane is full or the lanes are stopped.
     * While it runs here, {@link #mustNotWait} is true, and where the job would wait it hands what is
     * left to {@link #continueOnRunner} and returns: a runner then takes the lane over, still owned,
     * and runs that rest before any later job of the lane, so the lane's order holds.
     */
    public boolean submitWithoutWaiting(Object key, Runnable job) {
        if (stopped.get()) {
            return false;
        }
        Lane lane = laneOf(key);
        if (!lane.reserve()) {
            return false;
        }
        if (running.get() != null || !lane.jobs.isEmpty() || !lane.owned.compareAndSet(false, true)) {
            enqueue(lane, job, false);
            return true;
        }
        if (!lane.jobs.isEmpty()) {
            // A job queued between the look and the claim, whose submitter saw the lane owned: it goes first.
            lane.jobs.offer(job);
            startRunner(lane, null);
            return true;
        }
        lane.queued.decrementAndGet();
        WithoutWaiting run = new WithoutWaiting();
        running.set(lane);
        withoutWaiting.set(run);
        // lane.runner stays null: stop interrupts runners to end their waits, and this thread never
        // waits, while an interrupt could close an I/O thread's channels.
        try {
            runSafely(job);
        } finally {
            withoutWaiting.remove();
            running.remove();
            if (run.rest != null) {
                startRunner(lane, run.rest); // still owned: the rest runs before anything queued meanwhile
            } else {
                release(lane);
            }
        }
        return true;
    }

    /** Whether the calling thread runs a job that must not wait: it hands anything that would wait to {@link #continueOnRunner}. */
    public boolean mustNotWait() {
        return withoutWaiting.get() != null;
    }

    /**
     * From a job run by {@link #submitWithoutWaiting}: hands {@code rest}, the part of the job that may
     * wait, to a runner, which runs it first once the job returns. The job returns right after this
     * and does nothing more; once per job.
     */
    public void continueOnRunner(Runnable rest) {
        WithoutWaiting run = withoutWaiting.get();
        if (run == null || run.rest != null) {
            throw new IllegalStateException(run == null ? "not in a job that must not wait" : "the rest was handed over already");
        }
        run.rest = rest;
    }

    /**
     * Queues the continuation of a job already accepted on the lane of {@code key} (a large room's
     * slow members, or the completion of its broadcast, handed back by the writer threads): never
     * refused for capacity, because refusing it would lose part of an accepted broadcast, and always
     * run by a runner thread, never by the caller (the callers are I/O threads). Once the lanes are
     * stopped it runs on the calling thread at once; by then every peer is closed, so it cannot wait.
     */
    public void submitContinuation(Object key, Runnable job) {
        if (stopped.get()) {
            runSafely(job);
            return;
        }
        Lane lane = laneOf(key);
        lane.queued.incrementAndGet();
        enqueue(lane, job, false);
    }

    /** Adds a counted job to its lane and, if the lane was idle, runs it here or starts a runner. */
    private void enqueue(Lane lane, Runnable job, boolean runHere) {
        lane.jobs.offer(job);
        if (lane.owned.compareAndSet(false, true)) {
            if (runHere) {
                run(lane, null, INLINE_BUDGET);
            } else {
                startRunner(lane, null);
            }
        }
    }

    private Lane laneOf(Object key) {
        return lanes.get(Math.floorMod(key.hashCode() * 0x9E3779B9, lanes.size()));
    }

    /** Starts a runner for the owned lane; it runs {@code first} (if any) before the lane's queued jobs. */
    private void startRunner(Lane lane, Runnable first) {
        try {
            runners.execute(() -> run(lane, first, Integer.MAX_VALUE));
        } catch (RejectedExecutionException e) {
            // Stopped and past its wait: the pool takes no more runners. The lane's jobs only complete
            // the futures of broadcasts that raced with the stop, so a thread of their own runs them
            // rather than losing them; never the caller, which may be an I/O thread that must not wait.
            Thread.ofPlatform().name(runnerName).daemon(true).start(() -> run(lane, first, Integer.MAX_VALUE));
        }
    }

    /** Gives up the caller's ownership of the lane, or starts a runner for jobs queued while it was owned. */
    private void release(Lane lane) {
        lane.owned.set(false);
        // A job queued while we owned the lane found it owned and started no runner: start one.
        if (!lane.jobs.isEmpty() && lane.owned.compareAndSet(false, true)) {
            startRunner(lane, null);
        }
    }

    /**
     * Runs {@code first} (if any), then the lane's jobs, the lane already owned by the caller, until
     * the lane is empty or {@code budget} jobs have run; then releases it, or hands it to a runner of its own.
     */
    private void run(Lane lane, Runnable first, int budget) {
        Lane outer = running.get();
        running.set(lane);
        lane.runner = Thread.currentThread();
        if (stopped.get()) {
            // A stop that looked for runners before this one started could not interrupt it: its
            // waits must end at once all the same. (stop sets the flag before it reads the runners.)
            Thread.currentThread().interrupt();
        }
        try {
            if (first != null) {
                runSafely(first);
            }
            int left = budget;
            while (true) {
                Runnable job;
                while (left > 0 && (job = lane.jobs.poll()) != null) {
                    lane.queued.decrementAndGet();
                    left--;
                    runSafely(job);
                }
                if (left == 0 && !lane.jobs.isEmpty()) {
                    lane.runner = null;
                    startRunner(lane, null); // still owned: the new runner takes over
                    return;
                }
                lane.runner = null;
                lane.owned.set(false);
                // A job queued after our last poll found the lane owned and started no runner: take it on.
                if (lane.jobs.isEmpty() || !lane.owned.compareAndSet(false, true)) {
                    return;
                }
                lane.runner = Thread.currentThread();
            }
        } finally {
            running.set(outer);
            if (budget != Integer.MAX_VALUE) {
                Thread.interrupted(); // a stop's interrupt was meant for the job, not for the caller that lent its thread
            }
        }
    }

    /** Whether the calling thread is running a lane's jobs (a job must not wait for another job then). */
    public boolean isLaneThread() {
        return running.get() != null;
    }

    /** Whether the calling thread is running the jobs of the lane of {@code key} in particular. */
    public boolean isLaneThread(Object key) {
        Lane lane = running.get();
        return lane != null && lane == laneOf(key);
    }

    /** Jobs waiting now, over all lanes. */
    public int queuedJobs() {
        int n = 0;
        for (Lane lane : lanes) {
            n += lane.queued.get();
        }
        return n;
    }

    /** Runs one job; whatever it throws is logged, so the lane keeps serving its room (and is never left owned). */
    private static void runSafely(Runnable job) {
        try {
            job.run();
        } catch (RuntimeException | Error e) {
            log.error("broadcast job failed", e);
        }
    }

    /**
     * Refuses further jobs and waits up to {@code timeoutMillis} for the accepted ones to finish. The
     * threads running jobs are interrupted, which ends {@code BLOCK} waits in progress, so stop
     * returns promptly; jobs still queued run and see the hub stopped. Idempotent.
     */
    public void stop(long timeoutMillis) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        for (Lane lane : lanes) {
            Thread t = lane.runner;
            if (t != null && t != Thread.currentThread()) {
                t.interrupt();
            }
        }
        try {
            awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        } finally {
            runners.shutdown();
        }
    }

    /** Waits until every lane is idle (or only the calling thread still runs one), or the deadline. */
    private void awaitIdle(long deadlineNanos) {
        boolean interrupted = false;
        try {
            for (Lane lane : lanes) {
                while ((lane.owned.get() || lane.queued.get() > 0) && lane.runner != Thread.currentThread()) {
                    if (System.nanoTime() >= deadlineNanos) {
                        return;
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        // Keep waiting until the deadline (the pool must not shut down under a busy lane),
                        // and give the interrupt back to the caller afterwards.
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
