package dev.roomcast.core;

import java.util.Optional;

/**
 * What one broadcast did: how many members it tried, and what happened at each member's send queue.
 * A broadcast refused as a whole (hub stopped, job queue full) reports {@link #rejected()} and
 * enqueues nothing. Lives in {@code core} so telemetry listeners can read it without seeing the hub.
 *
 * @param attempted members the frame was offered to
 * @param enqueued  members whose queue took the frame
 * @param dropped   members that missed it under {@link SendBehavior#DROP}
 * @param closed    members closed with 1013 under {@link SendBehavior#CLOSE}, or already closing when offered the frame
 * @param timedOut  members whose queue stayed full for {@code sendTimeout} under {@link SendBehavior#BLOCK}
 * @param rejected  why the whole broadcast was refused, if it was
 */
public record BroadcastResult(int attempted, int enqueued, int dropped, int closed, int timedOut,
                              Optional<Rejection> rejected) {

    /** Why a whole broadcast was refused. */
    public enum Rejection {
        /** The hub was stopped or shutting down. */
        STOPPED,
        /** The broadcast job queue was full. */
        JOB_QUEUE_FULL
    }

    /** A broadcast refused as a whole. */
    public static BroadcastResult rejected(Rejection why) {
        return new BroadcastResult(0, 0, 0, 0, 0, Optional.of(why));
    }

    /**
     * The error code a client or operator sees when a broadcast was refused as a whole:
     * {@link ErrorCode#HUB_FULL} for a full job queue (try again), {@link ErrorCode#SHUTTING_DOWN} when stopped.
     */
    public static ErrorCode errorCodeOf(Rejection why) {
        return switch (why) {
            case STOPPED -> ErrorCode.SHUTTING_DOWN;
            case JOB_QUEUE_FULL -> ErrorCode.HUB_FULL;
        };
    }

    /** Whether every attempted member got the frame queued. */
    public boolean fullyDelivered() {
        return rejected.isEmpty() && enqueued == attempted;
    }
}
