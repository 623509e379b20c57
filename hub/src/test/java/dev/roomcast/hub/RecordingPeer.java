package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseReason;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.DecodeResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.Peer;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A {@link Peer} for hub tests, built around a real {@link SendQueue}. The test is its writer: the
 * queue's wake is only recorded, and {@link #nextFrame()} drains the queue as the transport's writer
 * would. Three kinds:
 * <ul>
 *   <li><b>manual</b> (default): frames stay queued until the test reads them;</li>
 *   <li><b>draining</b> ({@link Builder#drainOnWake()}): the wake drains at once on the waking thread,
 *       a writer that always keeps up (for concurrency and shutdown tests);</li>
 *   <li><b>slow</b> ({@link #fillQueue()}): a manual peer whose queue is full and that the test never reads.</li>
 * </ul>
 * Like the transport's connection, {@link #send} closes the peer with 1013 when its queue answers
 * {@link SendResult#CLOSED_SLOW}, and a completed close runs the {@code onClosed} hook once (tests
 * pass {@code hub::disconnect}, which is what the transport's cleanup does). A {@link #close} after
 * {@link #closeAfterDrain} closes at once, keeping the first reason.
 *
 * <p>Every wait is bounded by {@link #WAIT}.
 */
final class RecordingPeer implements Peer {
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final Frame FILLER = Frame.ofText("{\"type\":\"filler\"}");

    private final ConnectionId id;
    private final Identity identity;
    private final EnvelopeCodec codec;
    private final SendQueue queue;
    private final boolean drainOnWake;
    private final boolean onIoThread;
    private final TestWriterThread writerThread;
    private final Consumer<RecordingPeer> onClosed;
    /** Runs at the start of every {@link #trySend}, on the caller's thread; lets a test act inside the hub's critical sections. */
    private volatile Consumer<Frame> onTrySend = frame -> { };

    /** Held across each drain (taking frames and recording them); taken before {@link #lock}. */
    private final ReentrantLock drainLock = new ReentrantLock();
    /** Guards everything below; never held while calling the queue's blocking offer or the onClosed hook. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Bumped on every wake, arrival and close, so waiters never miss one. */
    private long version;
    private int wakes;
    private int sendCalls;
    /** Drained frames the test has not read yet. */
    private final ArrayDeque<Frame> unread = new ArrayDeque<>();
    /** Every frame ever drained, in order. */
    private final List<Frame> received = new ArrayList<>();
    /** The first close asked for (close or closeAfterDrain); null while open. */
    private CloseReason closing;
    private boolean closedNow;
    private boolean closed;

    private RecordingPeer(Builder b) {
        this.id = ConnectionId.of(b.id);
        this.identity = Identity.of(b.subject);
        this.codec = b.codec;
        this.queue = new SendQueue(b.capacity, b.behavior, b.timeout, this::wake);
        this.drainOnWake = b.drainOnWake;
        this.onIoThread = b.onIoThread;
        this.writerThread = b.writerThread;
        this.onClosed = b.onClosed;
    }

    static Builder builder(String id, EnvelopeCodec codec) {
        return new Builder(id, codec);
    }

    // ---- Peer ----------------------------------------------------------------------------------

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
        return send(frame, java.time.Duration.ofDays(1)); // the queue caps the wait at its send timeout
    }

    @Override
    public SendResult send(Frame frame, java.time.Duration maxWait) {
        return send(frame, maxWait, queue.behavior());
    }

    @Override
    public SendResult send(Frame frame, java.time.Duration maxWait, SendBehavior behavior) {
        lock.lock();
        try {
            sendCalls++;
            bump();
        } finally {
            lock.unlock();
        }
        if (!isOpen()) {
            return SendResult.NOT_OPEN;
        }
        boolean mayNotWait = onIoThread || (writerThread != null && writerThread.isCurrent());
        SendResult result = queue.offer(frame, mayNotWait ? 0 : maxWait.toNanos(), behavior);
        if (result == SendResult.CLOSED_SLOW) {
            close(CloseReason.of(CloseCode.TRY_AGAIN_LATER, "slow consumer"));
        }
        return result;
    }

    @Override
    public Optional<dev.roomcast.core.WriterThread> writerThread() {
        return Optional.ofNullable(writerThread);
    }

    @Override
    public boolean trySend(Frame frame) {
        onTrySend.accept(frame);
        return isOpen() && queue.tryOffer(frame);
    }

    @Override
    public void close(CloseReason reason) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (closing == null) {
                closing = reason;
            }
            closedNow = true;
        } finally {
            lock.unlock();
        }
        complete();
    }

    @Override
    public void closeAfterDrain(CloseReason reason) {
        lock.lock();
        try {
            if (closing != null) {
                return;
            }
            closing = reason;
            bump();
        } finally {
            lock.unlock();
        }
        if (drainOnWake) {
            drain();
        }
        if (queue.size() == 0) {
            complete();
        }
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return closing == null;
        } finally {
            lock.unlock();
        }
    }

    // ---- the writer ----------------------------------------------------------------------------

    private void wake() {
        lock.lock();
        try {
            wakes++;
            bump();
        } finally {
            lock.unlock();
        }
        if (drainOnWake) {
            drain();
        }
    }

    /**
     * Drains the queue until it reports idle, as the transport's writer does, then completes a pending
     * drain-then-close. Drains are serialised, so frames are recorded in queue order even when a
     * waking thread and the test drain at once, and a reader that drains sees every frame already
     * taken by another drain.
     */
    private void drain() {
        List<Frame> batch = new ArrayList<>();
        drainLock.lock();
        try {
            while (queue.drainTo(batch, Integer.MAX_VALUE, Long.MAX_VALUE) > 0) {
                lock.lock();
                try {
                    unread.addAll(batch);
                    received.addAll(batch);
                    bump();
                } finally {
                    lock.unlock();
                }
                batch.clear();
            }
        } finally {
            drainLock.unlock();
        }
        boolean closeNow;
        lock.lock();
        try {
            closeNow = closing != null && !closed;
        } finally {
            lock.unlock();
        }
        if (closeNow && queue.size() == 0) {
            complete();
        }
    }

    private void complete() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            bump();
        } finally {
            lock.unlock();
        }
        queue.close();
        onClosed.accept(this);
    }

    /** Called with the lock held. */
    private void bump() {
        version++;
        changed.signalAll();
    }

    // ---- test helpers --------------------------------------------------------------------------

    /** Installs a hook run at the start of every {@link #trySend}, on the hub's thread. */
    void onTrySend(Consumer<Frame> hook) {
        this.onTrySend = Objects.requireNonNull(hook);
    }

    /** Fills the queue to capacity with filler frames, making this a slow member the test never reads. */
    RecordingPeer fillQueue() {
        while (queue.tryOffer(FILLER)) {
            // keep offering until full
        }
        return this;
    }

    /** The next frame, draining the queue if needed; waits up to {@link #WAIT}. */
    Frame nextFrame() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long seen = version();
            drain();
            lock.lock();
            try {
                if (!unread.isEmpty()) {
                    return unread.pollFirst();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected a frame for " + id + " within " + WAIT + " but none arrived");
                }
                if (version == seen) {
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for a frame for " + id, e);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The next frame decoded into an envelope; waits up to {@link #WAIT}. */
    Envelope nextEvent() {
        return decode(nextFrame());
    }

    /** Takes the next event and checks its type. */
    Envelope assertPushed(String type) {
        Envelope event = nextEvent();
        assertThat(event.type()).as("type of the next event for %s (%s)", id, event).isEqualTo(type);
        return event;
    }

    /** Checks that nothing is queued or unread now (does not wait). */
    void assertNoMoreEvents() {
        drain();
        lock.lock();
        try {
            assertThat(unread).as("unread events for %s", id).extracting(f -> decode(f).type()).isEmpty();
        } finally {
            lock.unlock();
        }
        assertThat(queue.size()).as("frames still queued for %s", id).isZero();
    }

    /** Waits up to {@link #WAIT} for the close to complete, and checks its code. */
    void assertClosed(CloseCode code) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        lock.lock();
        try {
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + id + " to close with " + code + " within " + WAIT
                            + " but it " + (closing == null ? "is open" : "is still closing with " + closing.code()));
                }
                changed.awaitNanos(left);
            }
            assertThat(closing.code()).as("close code of %s", id).isEqualTo(code);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@link #WAIT} until {@link #send} has been entered at least {@code n} times. */
    void awaitSendCalls(int n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        lock.lock();
        try {
            while (sendCalls < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + n + " send calls on " + id + " within " + WAIT
                            + " but there were " + sendCalls);
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the close has completed. */
    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the close was a {@link #close} (queue discarded) rather than a completed drain-then-close. */
    boolean wasClosedWithoutDrain() {
        lock.lock();
        try {
            return closedNow;
        } finally {
            lock.unlock();
        }
    }

    /** The reason of the first close asked for. */
    Optional<CloseReason> closeReason() {
        lock.lock();
        try {
            return Optional.ofNullable(closing);
        } finally {
            lock.unlock();
        }
    }

    /** Times the writer was woken. */
    int wakes() {
        lock.lock();
        try {
            return wakes;
        } finally {
            lock.unlock();
        }
    }

    /** Takes every event not read yet, in order, draining a manual peer first; does not wait. */
    List<Envelope> takeEvents() {
        drain();
        List<Frame> frames;
        lock.lock();
        try {
            frames = List.copyOf(unread);
            unread.clear();
        } finally {
            lock.unlock();
        }
        return frames.stream().map(this::decode).toList();
    }

    /** Times {@link #send} was entered. */
    int sendCalls() {
        lock.lock();
        try {
            return sendCalls;
        } finally {
            lock.unlock();
        }
    }

    /** Every frame drained so far, read or not, in order (drains a manual peer first). */
    List<Frame> receivedFrames() {
        drain();
        lock.lock();
        try {
            return List.copyOf(received);
        } finally {
            lock.unlock();
        }
    }

    /** Every event drained so far, decoded, in order. */
    List<Envelope> receivedEvents() {
        return receivedFrames().stream().map(this::decode).toList();
    }

    /** Frames waiting in the send queue now (not yet drained). */
    int queued() {
        return queue.size();
    }

    SendQueue queue() {
        return queue;
    }

    private long version() {
        lock.lock();
        try {
            return version;
        } finally {
            lock.unlock();
        }
    }

    private Envelope decode(Frame frame) {
        return switch (codec.decode(frame.text())) {
            case DecodeResult.Decoded d -> d.envelope();
            case DecodeResult.Failed f -> throw new AssertionError("frame for " + id + " is not an envelope: "
                    + f.detail() + ": " + frame.text());
        };
    }

    @Override
    public String toString() {
        return "RecordingPeer[" + id + "]";
    }

    /** Builds a peer; defaults: subject = id, capacity 64, DROP, 200 ms timeout, manual, no close hook. */
    static final class Builder {
        private final String id;
        private final EnvelopeCodec codec;
        private String subject;
        private int capacity = 64;
        private SendBehavior behavior = SendBehavior.DROP;
        private Duration timeout = Duration.ofMillis(200);
        private boolean drainOnWake;
        private boolean onIoThread;
        private TestWriterThread writerThread;
        private Consumer<RecordingPeer> onClosed = p -> { };

        private Builder(String id, EnvelopeCodec codec) {
            this.id = id;
            this.subject = id;
            this.codec = codec;
        }

        Builder subject(String value) {
            this.subject = value;
            return this;
        }

        Builder capacity(int value) {
            this.capacity = value;
            return this;
        }

        Builder behavior(SendBehavior value) {
            this.behavior = value;
            return this;
        }

        Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** A writer that always keeps up: every wake drains at once on the waking thread. */
        Builder drainOnWake() {
            this.drainOnWake = true;
            return this;
        }

        /** Behave as if every send ran on an I/O thread: a BLOCK send never waits. */
        Builder onIoThread() {
            this.onIoThread = true;
            return this;
        }

        /** Written by {@code thread}: large rooms hand it their fan-out; sends on it never wait. */
        Builder writerThread(TestWriterThread thread) {
            this.writerThread = thread;
            return this;
        }

        /** Runs once when the close completes (tests pass {@code hub::disconnect}, as the transport's cleanup does). */
        Builder onClosed(Consumer<RecordingPeer> hook) {
            this.onClosed = hook;
            return this;
        }

        RecordingPeer build() {
            return new RecordingPeer(this);
        }
    }
}
