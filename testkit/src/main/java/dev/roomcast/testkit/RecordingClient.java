package dev.roomcast.testkit;

import dev.roomcast.client.ClientRouter;
import dev.roomcast.client.ClientState;
import dev.roomcast.client.Disconnect;
import dev.roomcast.client.RoomcastClient;
import dev.roomcast.core.Envelope;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A {@link RoomcastClient} that records every event the server sends and every state it goes through,
 * for tests: {@link #awaitEvent(String)} and {@link #awaitEvent(String, Predicate)} wait (5 s unless
 * told) for the first matching event not returned before, and fail with a message listing everything
 * that did arrive. Each recorded event is returned by at most one {@code awaitEvent}; events skipped
 * over stay available to later calls. The blocking {@link #join}, {@link #leave} and {@link #publish}
 * wait for the server's answer and fail the test with the client's exception if there is none.
 * {@link #client()} gives the client itself, for its stages.
 */
public final class RecordingClient implements AutoCloseable {
    /** How long every wait lasts unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}: every event received, in order. */
    private final List<Envelope> events = new ArrayList<>();
    /** Guarded by {@link #lock}: whether {@code events.get(i)} was returned by an await. */
    private final List<Boolean> claimed = new ArrayList<>();
    /** Guarded by {@link #lock}: every state change, in order, with its cause. */
    private final List<StateChange> states = new ArrayList<>();
    private final RoomcastClient client;

    /**
     * One state change the client went through.
     *
     * @param state the new state
     * @param cause why, for {@code RECONNECTING} and {@code CLOSED}
     */
    public record StateChange(ClientState state, Optional<Disconnect> cause) {
    }

    private RecordingClient(Builder b) {
        RoomcastClient.Builder client = RoomcastClient.builder(b.uri).tokenSupplier(b.tokens);
        b.options.accept(client);
        // Applied last, so the recorder always sees every event and state change.
        this.client = client.router(ClientRouter.builder().otherwise(this::record).build())
                .stateListener((state, cause) -> recordState(new StateChange(state, cause)))
                .build();
    }

    /** A builder for a recording client of the server at {@code uri}. */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    /** The client, for its stages and state. */
    public RoomcastClient client() {
        return client;
    }

    // ---- requests, blocking ---------------------------------------------------------------------

    /** Joins {@code room} and returns the {@code joined} reply; fails the test if the server refuses or is silent. */
    public Envelope join(String room) {
        return await(client.join(room), "join " + room);
    }

    /** Joins a password-protected {@code room} and returns the {@code joined} reply. */
    public Envelope join(String room, String password) {
        return await(client.join(room, password), "join " + room);
    }

    /** Leaves {@code room} and returns the {@code left} reply. */
    public Envelope leave(String room) {
        return await(client.leave(room), "leave " + room);
    }

    /** Publishes {@code payload} to {@code room} and returns once the server has handled it. */
    public void publish(String room, Object payload) {
        await(client.publish(room, payload), "publish to " + room);
    }

    /** Sends an application event and returns once the server has handled it. */
    public void send(String type, Object payload) {
        await(client.send(type, payload), "send " + type);
    }

    private static <T> T await(CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("expected " + what + " to succeed but it failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("expected " + what + " to be answered within " + DEFAULT_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    // ---- events --------------------------------------------------------------------------------

    /** Waits up to 5 s for an event of {@code type}, and returns it. */
    public Envelope awaitEvent(String type) {
        return awaitEvent(type, e -> true, DEFAULT_TIMEOUT);
    }

    /** Waits up to 5 s for an event of {@code type} that matches {@code predicate}, and returns it. */
    public Envelope awaitEvent(String type, Predicate<Envelope> predicate) {
        return awaitEvent(type, predicate, DEFAULT_TIMEOUT);
    }

    /**
     * Waits up to {@code timeout} for the first event of {@code type} matching {@code predicate} that no
     * earlier await returned, and returns it; throws {@link AssertionError} listing what arrived if none does.
     */
    public Envelope awaitEvent(String type, Predicate<Envelope> predicate, Duration timeout) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(predicate, "predicate");
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                for (int i = 0; i < events.size(); i++) {
                    Envelope e = events.get(i);
                    if (!claimed.get(i) && e.type().equals(type) && predicate.test(e)) {
                        claimed.set(i, true);
                        return e;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected an event of type '" + type + "'"
                            + " matching the predicate within " + timeout.toMillis() + " ms, but "
                            + describeLocked() + "; state " + client.state());
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for an event of type '" + type + "'", e);
        } finally {
            lock.unlock();
        }
    }

    /** Every event received so far, in order (claimed or not). */
    public List<Envelope> events() {
        lock.lock();
        try {
            return List.copyOf(events);
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to 5 s until the client has reached {@code state} (now or at any point since the last such wait). */
    public StateChange awaitState(ClientState state) {
        return awaitState(state, DEFAULT_TIMEOUT);
    }

    /** Waits up to {@code timeout} for a state change to {@code state}, and returns it (the first unclaimed one). */
    public StateChange awaitState(ClientState state, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                for (int i = 0; i < states.size(); i++) {
                    if (states.get(i).state() == state) {
                        return states.remove(i);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected the client to reach " + state + " within " + timeout.toMillis()
                            + " ms, but its state is " + client.state() + " (unclaimed changes " + states + ")");
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for state " + state, e);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the client (1000). */
    @Override
    public void close() {
        client.close();
    }

    private void record(Envelope envelope) {
        lock.lock();
        try {
            events.add(envelope);
            claimed.add(false);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void recordState(StateChange change) {
        lock.lock();
        try {
            states.add(change);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private String describeLocked() {
        if (events.isEmpty()) {
            return "no event arrived";
        }
        StringBuilder b = new StringBuilder().append(events.size()).append(" arrived:");
        for (int i = 0; i < events.size(); i++) {
            Envelope e = events.get(i);
            b.append("\n  ").append(claimed.get(i) ? "(already returned) " : "").append(e.type());
            e.room().ifPresent(r -> b.append(" room=").append(r));
            e.id().ifPresent(id -> b.append(" id=").append(id));
            e.from().ifPresent(f -> b.append(" from=").append(f));
            if (!e.payload().isNull()) {
                String payload = e.payload().toString();
                b.append(' ').append(payload.length() > 200 ? payload.substring(0, 200) + "…" : payload);
            }
        }
        return b.toString();
    }

    /** Collects a recording client's settings. Not thread-safe. */
    public static final class Builder {
        private final URI uri;
        private Supplier<String> tokens = () -> null;
        private Consumer<RoomcastClient.Builder> options = b -> { };

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** The bearer token, the same on every (re)connect. Default: none. */
        public Builder token(String value) {
            Objects.requireNonNull(value, "token");
            this.tokens = () -> value;
            return this;
        }

        /** Asked for a token on every (re)connect. */
        public Builder tokenSupplier(Supplier<String> value) {
            this.tokens = Objects.requireNonNull(value, "tokenSupplier");
            return this;
        }

        /** Further client options (backoff, timeouts, buffer, headers); the router and state listener are the recorder's. */
        public Builder configure(Consumer<RoomcastClient.Builder> value) {
            this.options = this.options.andThen(Objects.requireNonNull(value, "configure"));
            return this;
        }

        /** Builds the client without connecting it. */
        public RecordingClient build() {
            return new RecordingClient(this);
        }

        /** Builds the client, connects it and waits up to 5 s until it is open; fails the test otherwise. */
        public RecordingClient connect() {
            RecordingClient client = build();
            try {
                await(client.client.connect(), "connect to " + uri);
            } catch (AssertionError e) {
                client.close();
                throw e;
            }
            return client;
        }
    }
}
