package dev.roomcast.transport.undertow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Peer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ConnectionListener} that queues every callback, so a test can take them one at a time
 * with bounded waits ({@link #awaitClosed()}, {@link #awaitRejected()}) and check at the end that
 * nothing unexpected happened ({@link #assertNoMoreEvents}).
 */
public final class RecordingListener implements ConnectionListener {

    /** One recorded callback. */
    public sealed interface Event {
    }

    public record UpgradeRejected(ErrorCode code, String detail) implements Event {
    }

    public record Opened(Peer peer) implements Event {
    }

    public record MessageReceived(Peer peer, String type, int bytes) implements Event {
    }

    public record MessageRejected(Peer peer, ErrorCode code) implements Event {
    }

    public record Closed(Peer peer, int code, String reason, Duration lifetime) implements Event {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Every event ever recorded, for assertions over the whole run. */
    private final List<Event> history = new ArrayList<>();

    private void record(Event e) {
        synchronized (history) {
            history.add(e);
        }
        events.add(e);
    }

    @Override
    public void onUpgradeRejected(ErrorCode code, String detail) {
        record(new UpgradeRejected(code, detail));
    }

    @Override
    public void onOpened(Peer peer) {
        record(new Opened(peer));
    }

    @Override
    public void onMessageReceived(Peer peer, String type, int bytes) {
        record(new MessageReceived(peer, type, bytes));
    }

    @Override
    public void onMessageRejected(Peer peer, ErrorCode code) {
        record(new MessageRejected(peer, code));
    }

    @Override
    public void onClosed(Peer peer, int code, String reason, Duration lifetime) {
        record(new Closed(peer, code, reason, lifetime));
    }

    /** Skips events until one of {@code type}; fails after 5 s. */
    public <E extends Event> E await(Class<E> type) {
        long end = System.nanoTime() + TestClient.WAIT.toNanos();
        List<Event> skipped = new ArrayList<>();
        try {
            while (true) {
                long left = end - System.nanoTime();
                Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (e == null) {
                    throw new AssertionError("expected " + type.getSimpleName() + " within " + TestClient.WAIT
                            + " but got only " + skipped);
                }
                if (type.isInstance(e)) {
                    return type.cast(e);
                }
                skipped.add(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next close reported; fails after 5 s. */
    public Closed awaitClosed() {
        return await(Closed.class);
    }

    /** The next upgrade rejection reported; fails after 5 s. */
    public UpgradeRejected awaitRejected() {
        return await(UpgradeRejected.class);
    }

    /** Asserts no event of {@code type} arrives within {@code quiet} (others are consumed). */
    public void assertNoMore(Class<? extends Event> type, Duration quiet) {
        long end = System.nanoTime() + quiet.toNanos();
        try {
            while (true) {
                long left = end - System.nanoTime();
                Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (e == null) {
                    return;
                }
                assertThat(e).as("no further %s", type.getSimpleName()).isNotInstanceOf(type);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Every event recorded since the start, in order. */
    public List<Event> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** Recorded events of {@code type}, in order. */
    public <E extends Event> List<E> historyOf(Class<E> type) {
        return history().stream().filter(type::isInstance).map(type::cast).toList();
    }
}
