package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.XnioIoThread;

/**
 * The writer of every connection on one XNIO I/O thread. A connection whose send queue turns
 * non-empty joins this writer's lock-free ready list, and one task on the I/O thread drains every
 * ready connection. A broadcast to N members therefore submits at most one task per I/O thread,
 * not one per member: each submission takes XNIO's task-queue lock and may wake the selector, which
 * a profile showed as the largest cost of fan-out after the queues themselves.
 *
 * <p>It also lends its connections one scratch list for draining, so no connection keeps a batch
 * list of its own while idle. Both the list and the drains belong to the I/O thread.
 */
final class IoThreadWriter implements Runnable {
    /** Most connections one task drains before it yields to the selector (reads, timers) and resubmits. */
    private static final int DRAINS_PER_TASK = 4096;

    private final XnioIoThread io;
    private final ConcurrentLinkedQueue<Connection> ready = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Frames being written by a drain; the I/O thread's, and empty between drains. */
    private final List<Frame> batch = new ArrayList<>();

    IoThreadWriter(XnioIoThread io) {
        this.io = io;
    }

    /** Marks {@code connection} ready to write; from any thread. */
    void wake(Connection connection) {
        ready.offer(connection);
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            try {
                io.execute(this);
            } catch (RejectedExecutionException e) {
                // The server is stopping and this I/O thread with it: its sockets are being closed,
                // so there is nothing left to write; the sender must not fail for it.
                ready.clear();
            }
        }
    }

    /** The scratch list a drain on this I/O thread fills and empties again before it returns. */
    List<Frame> batch() {
        return batch;
    }

    @Override
    public void run() {
        // Cleared first: a connection made ready from now on schedules another run, never waits for us.
        scheduled.set(false);
        Connection next;
        int budget = DRAINS_PER_TASK;
        while (budget-- > 0 && (next = ready.poll()) != null) {
            next.drain();
        }
        if (!ready.isEmpty() && scheduled.compareAndSet(false, true)) {
            io.execute(this);
        }
    }
}
