package dev.roomcast.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One selector thread serving many {@link WsConnection}s: the load generator runs a few of these
 * (no thread per connection). Everything a connection and its scenario logic do happens on its
 * loop's thread; other threads talk to a loop only through {@link #execute} and {@link #call}.
 * The loop ends at {@link #close()} or at its hard deadline, whichever comes first.
 */
public final class NioLoop implements AutoCloseable {
    /** Size of the shared read buffer; a single server frame must fit (server batches are at most ~64 KiB). */
    static final int READ_BUFFER_BYTES = 1 << 20;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final long deadlineNanos;
    private volatile boolean stopping;

    // Owned by the loop thread.
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSeq;
    /** Scratch space shared by this loop's connections for reading and parsing. */
    final byte[] readBytes = new byte[READ_BUFFER_BYTES];
    final java.nio.ByteBuffer readBuffer = java.nio.ByteBuffer.wrap(readBytes);

    private record Timer(long dueNanos, long seq, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /**
     * Starts a loop thread.
     *
     * @param name          thread name
     * @param maxRunNanos   hard limit: after this the loop closes every connection and ends
     */
    public NioLoop(String name, long maxRunNanos) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.deadlineNanos = System.nanoTime() + maxRunNanos;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
        thread.start();
    }

    Selector selector() {
        return selector;
    }

    /** Whether the caller is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread soon. Safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop thread and completes with its result. */
    public <T> CompletableFuture<T> call(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Runs {@code task} on the loop thread after {@code delayNanos}. Loop thread only. */
    public void schedule(long delayNanos, Runnable task) {
        timers.add(new Timer(System.nanoTime() + delayNanos, timerSeq++, task));
    }

    private void run() {
        try {
            while (!stopping) {
                long now = System.nanoTime();
                if (now - deadlineNanos > 0) {
                    break;
                }
                long wait = 100; // ms: bounds the reaction time to the deadline
                Timer next = timers.peek();
                if (!tasks.isEmpty()) {
                    wait = 0;
                } else if (next != null) {
                    long untilNanos = next.dueNanos - now;
                    wait = untilNanos <= 0 ? 0 : Math.min(wait, Math.max(1, untilNanos / 1_000_000));
                }
                if (wait == 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                wakeupPending.set(false);
                var keys = selector.selectedKeys();
                if (!keys.isEmpty()) {
                    for (SelectionKey key : keys) {
                        WsConnection c = (WsConnection) key.attachment();
                        safely(() -> c.onReady(key));
                    }
                    keys.clear();
                }
                Runnable task;
                int budget = 10_000;
                while (budget-- > 0 && (task = tasks.poll()) != null) {
                    safely(task);
                }
                now = System.nanoTime();
                while ((next = timers.peek()) != null && next.dueNanos - now <= 0) {
                    safely(timers.poll().task);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof WsConnection c) {
                    c.abort("loop ended");
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A failing callback is reported and the loop goes on: one bad connection must not end the others. */
    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            System.err.println("bench client: a callback failed: " + e);
            e.printStackTrace();
        }
    }

    /** Stops the loop (its connections are cut) and waits up to 5 s for the thread. */
    @Override
    public void close() {
        stopping = true;
        selector.wakeup();
        if (!inLoop()) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
