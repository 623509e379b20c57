package dev.roomcast.client;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Port: runs the client's delayed work (reconnect attempts, reply timeouts), so a test can run it by
 * hand instead of waiting. The default owns one daemon thread per client, ended when the client closes.
 */
public interface Scheduler {

    /** Runs {@code task} once after {@code delay}; the returned handle cancels it if it has not run. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that may still be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not started; no effect otherwise. */
        void cancel();
    }

    /** A scheduler on {@code executor}, which the caller owns and shuts down. */
    static Scheduler of(ScheduledExecutorService executor) {
        return (delay, task) -> {
            ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
    }
}
