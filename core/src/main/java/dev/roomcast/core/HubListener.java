package dev.roomcast.core;

/**
 * Port: telemetry hook for what the hub does. Observability implements it (metrics, traces); the
 * hub calls it on its own threads, and on the broadcasting thread, which may be an I/O thread, for
 * a broadcast refused as a whole and for a small room's broadcast delivered there without waiting
 * (a client's {@code publish}). So implementations must be fast, thread-safe, must not block and
 * must not throw.
 * Every method has a no-op default.
 */
public interface HubListener {

    /** A connection entered a room. */
    default void onJoined(Peer peer, RoomName room) {
    }

    /** A connection left a room (by request or because it closed). */
    default void onLeft(Peer peer, RoomName room) {
    }

    /** A join was refused with {@code code}. */
    default void onJoinRefused(Peer peer, RoomName room, ErrorCode code) {
    }

    /** A broadcast finished; {@code room} is null for a broadcast to everyone. */
    default void onBroadcast(RoomName room, BroadcastResult result, long durationNanos) {
    }

    /**
     * A broadcast finished its fan-out, or was refused as a whole; carries timestamps and the
     * envelope's trace context for tracing. Called beside {@link #onBroadcast}, on the same thread,
     * so a listener implements one or the other.
     */
    default void onBroadcastCompleted(BroadcastRecord broadcast) {
    }
}
