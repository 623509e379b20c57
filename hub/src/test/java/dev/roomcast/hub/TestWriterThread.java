package dev.roomcast.hub;

import dev.roomcast.core.WriterThread;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A {@link WriterThread} for hub tests: one platform thread running tasks in order, like an I/O
 * thread. It can be paused (tasks queue up behind a latch) and stopped (it refuses tasks, as a
 * stopping server's I/O thread does). {@link RecordingPeer}s written by it never wait on it.
 */
final class TestWriterThread implements WriterThread, AutoCloseable {
    private final String name;
    private final ExecutorService thread;
    private volatile Thread current;
    private volatile boolean refusing;
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    /** The thread that handed this writer its last task: who dispatched a broadcast. */
    private volatile Thread lastSubmitter;

    TestWriterThread(String name) {
        this.name = name;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            current = t;
            return t;
        });
    }

    @Override
    public boolean execute(Runnable task) {
        if (refusing) {
            return false;
        }
        accepted.incrementAndGet();
        lastSubmitter = Thread.currentThread();
        thread.execute(task);
        return true;
    }

    /** Tasks accepted so far (not counting {@link #pause}). */
    int accepted() {
        return accepted.get();
    }

    /** The thread that submitted the last accepted task, or null. */
    Thread lastSubmitter() {
        return lastSubmitter;
    }

    /** Whether the calling thread is this writer thread. */
    boolean isCurrent() {
        return Thread.currentThread() == current;
    }

    /** Holds every task submitted from now on until the returned latch is counted down. */
    CountDownLatch pause() {
        CountDownLatch resume = new CountDownLatch(1);
        thread.execute(() -> {
            try {
                resume.await(RecordingPeer.WAIT.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return resume;
    }

    /** Refuses every task from now on. */
    void refuse() {
        refusing = true;
    }

    String name() {
        return name;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
