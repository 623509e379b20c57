package dev.roomcast.core;

import java.time.Duration;
import java.util.Optional;

/**
 * Port: telemetry hook for a connection's life, from the upgrade attempt to the close. The transport
 * calls it exactly once per event (a close is reported once, with its reason, whoever saw it
 * first). Implementations must be fast, thread-safe and must not throw. Every method has a no-op default.
 *
 * <p>Threads: upgrade callbacks run on an I/O thread or the upgrade's virtual thread; event callbacks
 * ({@link #onEventStarted}, {@link #onEventHandled}, {@link #onDecodeFailed}) on the connection's own
 * virtual thread, in order (a {@code publish} that arrives while that thread is idle is handled,
 * with its callbacks, on the connection's I/O thread, still in order); write, pong and
 * heartbeat callbacks on the connection's I/O thread; {@link #onSendRefused} on whichever thread
 * sent. None of them may block.
 */
public interface ConnectionListener {

    /** An upgrade was refused before any 101 with {@code code}; {@code detail} is log-safe. */
    default void onUpgradeRejected(ErrorCode code, String detail) {
    }

    /** A connection was established. */
    default void onOpened(Peer peer) {
    }

    /** An inbound message of {@code bytes} UTF-8 bytes was decoded as {@code type}. */
    default void onMessageReceived(Peer peer, String type, int bytes) {
    }

    /** An inbound message could not be decoded or dispatched; the client got an {@code error} event. */
    default void onMessageRejected(Peer peer, ErrorCode code) {
    }

    /**
     * The connection closed after {@code lifetime}. {@code code} is the close code sent or received
     * (1006 when the connection ended without a close frame); {@code reason} is log-safe.
     */
    default void onClosed(Peer peer, int code, String reason, Duration lifetime) {
    }

    // ---- added for observability; all optional ---------------------------------------------------

    /**
     * An upgrade request was decided: accepted (a 101 follows, then {@link #onOpened}) or refused
     * (also reported to {@link #onUpgradeRejected}). Called once per request that reached the pipeline.
     */
    default void onUpgradeAttempted(UpgradeRecord upgrade) {
    }

    /**
     * The room authorizer refused {@code room}, at the upgrade or on a {@code join}; {@code code} is
     * {@link ErrorCode#ROOM_FORBIDDEN}, or {@link ErrorCode#RATE_LIMITED} when password guessing is throttled.
     */
    default void onRoomAccessDenied(RoomName room, ErrorCode code) {
    }

    /**
     * A decoded event is about to be handled, on the connection's thread; {@link #onEventHandled}
     * follows on the same thread. A listener that opens a trace span for the handling returns that
     * span's W3C {@code traceparent}: the transport stamps it on envelopes the handling broadcasts, so
     * the trace continues through the hub to the recipients. Return empty otherwise.
     */
    default Optional<String> onEventStarted(Peer peer, Envelope envelope) {
        return Optional.empty();
    }

    /** A decoded event was handled (or refused, or failed), on the connection's thread. */
    default void onEventHandled(Peer peer, EventRecord event) {
    }

    /**
     * An inbound text message of {@code bytes} UTF-8 bytes could not be decoded into an envelope; the
     * client got an {@code error} event with {@code code}. (Also reported to {@link #onMessageRejected}.)
     */
    default void onDecodeFailed(Peer peer, ErrorCode code, long bytes) {
    }

    /** The connection's writer handed one coalesced write to the socket, on the I/O thread. */
    default void onFramesWritten(Peer peer, WriteRecord write) {
    }

    /**
     * A frame offered to the connection's full send queue was refused: {@link SendResult#DROPPED}
     * ({@code DROP}), {@link SendResult#TIMED_OUT} ({@code BLOCK}) or {@link SendResult#CLOSED_SLOW}
     * ({@code CLOSE}; the connection is closing with 1013, reported once).
     */
    default void onSendRefused(Peer peer, SendResult result) {
    }

    /** The client answered the heartbeat's ping after {@code roundTrip}. */
    default void onPong(Peer peer, Duration roundTrip) {
    }

    /** The client sent nothing, not even a pong, for {@code silence}; it is being closed with 1001. */
    default void onHeartbeatTimeout(Peer peer, Duration silence) {
    }
}
