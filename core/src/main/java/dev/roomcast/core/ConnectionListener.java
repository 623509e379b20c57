package dev.roomcast.core;

import java.time.Duration;

/**
 * Port: telemetry hook for a connection's life, from the upgrade attempt to the close. The transport
 * calls it exactly once per event (a close is reported once, with its reason, whoever saw it
 * first). Implementations must be fast, thread-safe and must not throw. Every method has a no-op default.
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
}
