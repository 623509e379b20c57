package dev.roomcast.core;

import java.util.stream.IntStream;

/**
 * Port: a read-only view of the hub's current load, for health checks and metrics gauges, so that
 * observability can report it without depending on the hub module. All methods are cheap and
 * thread-safe; values are instantaneous and may be stale by the time they are read.
 */
public interface HubStats {

    /** Connected peers, each counted once however many rooms it is in. */
    int activeConnectionCount();

    /** Connection×room memberships. */
    int registrationCount();

    /** Rooms that have at least one member. */
    int activeRoomCount();

    /** Broadcast jobs waiting for a worker. */
    int queuedBroadcastJobs();

    /** Whether the hub accepts new connections (false while shutting down or stopped). */
    boolean isAcceptingConnections();

    /**
     * The member count of every room that has members, for a members-per-room distribution. Walks
     * every room: meant for a metrics scrape, not a hot path. Empty by default.
     */
    default IntStream roomMemberCounts() {
        return IntStream.empty();
    }
}
