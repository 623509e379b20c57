package dev.roomcast.core;

import java.util.Objects;
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
 * @param relay     whether the frame also went to the other nodes: the counts above are this node's
 *                  members only; other nodes deliver on their own and report nothing back
 */
public record BroadcastResult(int attempted, int enqueued, int dropped, int closed, int timedOut,
                              Optional<Rejection> rejected, Relay relay) {

    public BroadcastResult {
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(relay, "relay");
    }

    /** A result of a node that relays nothing ({@link Relay#NONE}): the single-node bus, or a delivery to one node's members. */
    public BroadcastResult(int attempted, int enqueued, int dropped, int closed, int timedOut, Optional<Rejection> rejected) {
        this(attempted, enqueued, dropped, closed, timedOut, rejected, Relay.NONE);
    }

    /** Whether a broadcast also went to the other nodes of a cluster. */
    public enum Relay {
        /** Nothing to relay to: the in-process bus, a send to one connection, or a broadcast refused as a whole. */
        NONE,
        /** Handed to the cluster (for example published on Redis) for every other node to deliver to its members. */
        RELAYED,
        /** The other nodes never got it (for example Redis is unreachable); this node's members did, as counted. */
        FAILED
    }

    /** This result with {@code relay} as its relay outcome. */
    public BroadcastResult withRelay(Relay relay) {
        return new BroadcastResult(attempted, enqueued, dropped, closed, timedOut, rejected, relay);
    }

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

    /** Whether the frame should have reached other nodes and did not ({@link Relay#FAILED}). */
    public boolean relayFailed() {
        return relay == Relay.FAILED;
    }

    /** Whether every attempted member (of this node) got the frame queued. */
    public boolean fullyDelivered() {
        return rejected.isEmpty() && enqueued == attempted;
    }
}
