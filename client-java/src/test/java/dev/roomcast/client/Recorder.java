package dev.roomcast.client;

import dev.roomcast.core.Envelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Records a client's events and state changes for the client's own tests (the test kit's
 * RecordingClient is built on this module, so these tests cannot use it). Every wait is at most 5 s.
 */
final class Recorder implements StateListener {
    record Change(ClientState state, Optional<Disconnect> cause, long nanos) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Envelope> events = new ArrayList<>();
    /** When each of {@link #events} arrived, by {@link System#nanoTime()}. */
    private final List<Long> arrivals = new ArrayList<>();
    private final List<Change> changes = new ArrayList<>();

    ClientRouter router() {
        return ClientRouter.builder().otherwise(this::event).build();
    }

    void event(Envelope e) {
        lock.lock();
        try {
            events.add(e);
            arrivals.add(System.nanoTime());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onStateChanged(ClientState state, Optional<Disconnect> cause) {
        lock.lock();
        try {
            changes.add(new Change(state, cause, System.nanoTime()));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** When {@code e} (an envelope this recorder returned) arrived. */
    long arrivalNanos(Envelope e) {
        lock.lock();
        try {
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i) == e) {
                    return arrivals.get(i);
                }
            }
            throw new AssertionError("not recorded: " + e);
        } finally {
            lock.unlock();
        }
    }

    List<Change> changes() {
        lock.lock();
        try {
            return List.copyOf(changes);
        } finally {
            lock.unlock();
        }
    }

    /** The {@code n}-th (0-based) change to {@code state}. */
    Change awaitState(ClientState state, int n) {
        return await(() -> changes.stream().filter(c -> c.state() == state).skip(n).findFirst(),
                () -> "state " + state + " #" + n + " (changes " + changes + ")");
    }

    Envelope awaitEvent(String type, Predicate<Envelope> p) {
        return await(() -> events.stream().filter(e -> e.type().equals(type) && p.test(e)).findFirst(),
                () -> "event " + type + " (events " + events + ")");
    }

    private <T> T await(java.util.function.Supplier<Optional<T>> find, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        lock.lock();
        try {
            while (true) {
                Optional<T> found = find.get();
                if (found.isPresent()) {
                    return found.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + what.get() + " within 5 s");
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            lock.unlock();
        }
    }
}
