package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.CloseReason;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.Peer;
import dev.roomcast.core.SendResult;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Peer} whose writer always keeps up: every frame offered is recorded as text, and the test
 * takes them in order with a bounded wait. Enough for the bus tests, which look at what reaches which
 * node, not at send queues.
 */
public final class CollectingPeer implements Peer {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ConnectionId id;
    private final Identity identity;
    private final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private volatile boolean open = true;

    public CollectingPeer(String id, String subject) {
        this.id = ConnectionId.of(id);
        this.identity = Identity.of(subject);
    }

    /** The next frame's text, waiting at most 5 s; fails the test when none arrives. */
    public String next() throws InterruptedException {
        String frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(frame).as("a frame for %s within %s", id, WAIT).isNotNull();
        return frame;
    }

    /** The next frame whose text contains {@code marker}, skipping others; waits at most 5 s in all. */
    public String nextContaining(String marker) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
            assertThat(frame).as("a frame containing %s for %s within %s", marker, id, WAIT).isNotNull();
            if (frame.contains(marker)) {
                return frame;
            }
        }
    }

    /** Fails if a frame containing {@code marker} arrives within {@code quiet}. */
    public void assertNoFrameContaining(String marker, Duration quiet) throws InterruptedException {
        long deadline = System.nanoTime() + quiet.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
            if (frame == null) {
                return;
            }
            assertThat(frame).as("no further frame with %s for %s", marker, id).doesNotContain(marker);
        }
    }

    @Override
    public ConnectionId id() {
        return id;
    }

    @Override
    public Identity identity() {
        return identity;
    }

    @Override
    public SendResult send(Frame frame) {
        frames.add(frame.text());
        return SendResult.ENQUEUED;
    }

    @Override
    public boolean trySend(Frame frame) {
        frames.add(frame.text());
        return true;
    }

    @Override
    public void close(CloseReason reason) {
        open = false;
    }

    @Override
    public void closeAfterDrain(CloseReason reason) {
        open = false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }
}
