package dev.roomcast.core;

/**
 * Port: one connection as the hub sees it, with no transport types. The transport implements it
 * around a bounded send queue drained by a single writer; the hub offers frames to it and never
 * touches a socket.
 *
 * <p>States: <em>open</em> (frames are queued and written), <em>closing</em> ({@link #close} or
 * {@link #closeAfterDrain} was called; new sends return {@link SendResult#NOT_OPEN}), <em>closed</em>.
 */
public interface Peer {

    /** The connection's id. */
    ConnectionId id();

    /** The identity established at the upgrade. */
    Identity identity();

    /**
     * Offers a frame to this connection's send queue. Returns at once unless the queue is full under
     * {@link SendBehavior#BLOCK}, in which case it waits up to {@code sendTimeout} (never on an I/O
     * thread: there it fails at once with {@link SendResult#TIMED_OUT}).
     */
    SendResult send(Frame frame);

    /**
     * Like {@link #send(Frame)}, but a {@link SendBehavior#BLOCK} send waits at most {@code maxWait}
     * (never longer than {@code sendTimeout}). Fan-out uses it so that all slow members of one
     * broadcast share a single deadline instead of each adding a full timeout.
     */
    default SendResult send(Frame frame, java.time.Duration maxWait) {
        return send(frame);
    }

    /**
     * Like {@link #send(Frame, java.time.Duration)}, but a full queue gets {@code behavior} instead of
     * the connection's own: the hub uses it for the broadcasts of a room that has a behaviour of its
     * own ({@link RoomcastConfig#roomSendBehaviors()}), so one connection can lose a frame of a
     * {@code DROP} room and wait for a frame of a {@code BLOCK} room. {@code maxWait} only matters
     * under {@code BLOCK}. The default ignores {@code behavior} and applies the connection's own, for
     * peers that cannot choose per frame; the transport's connection honours it.
     */
    default SendResult send(Frame frame, java.time.Duration maxWait, SendBehavior behavior) {
        return send(frame, maxWait);
    }

    /**
     * Queues {@code frame} only if there is room right now; never waits and never applies the
     * full-queue behaviour. Fan-out calls this first so a slow member cannot delay the others.
     */
    boolean trySend(Frame frame);

    /**
     * Closes now: queued frames are discarded and a close frame with {@code reason} is sent. Idempotent.
     * After {@link #closeAfterDrain} it stops waiting for the drain and ends the connection at once,
     * keeping the first reason (this is how a shutdown deadline cuts clients that stopped reading).
     */
    void close(CloseReason reason);

    /** Closes after the frames already queued are written. Idempotent; the first close wins. */
    void closeAfterDrain(CloseReason reason);

    /** Whether the connection is still open (not closing or closed). */
    boolean isOpen();

    /**
     * The thread that writes this peer's queue, when the transport lets the hub hand it work: large
     * rooms are then fanned out per writer thread (see {@link WriterThread}). Empty by default, and
     * the hub offers frames to this peer from its own threads. Must not change over the peer's life.
     */
    default java.util.Optional<WriterThread> writerThread() {
        return java.util.Optional.empty();
    }
}
