package dev.roomcast.core;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Port: the path every room broadcast takes, so that a multi-node deployment can carry room frames
 * between servers (for example over Redis) without the hub changing. The hub subscribes once with
 * its local delivery; {@link #publish} must deliver to that subscriber on this node and to the
 * subscribers on every other node. The default, in-process bus just calls the local subscriber.
 *
 * <p>A bus that spans nodes also learns of this node's room members ({@link #memberJoined},
 * {@link #memberLeft}) so it can keep a cluster-wide view of presence. Frames relayed from other
 * nodes reach the subscriber on the bus's own thread; the hub moves them onto the room's lane.
 */
public interface ClusterBus extends AutoCloseable {

    /** Receives room frames to deliver to this node's members. */
    @FunctionalInterface
    interface Subscriber {
        /**
         * Delivers {@code frame} to the local members of {@code room}, except {@code excluded}; the
         * stage completes with what happened at their queues (a large room's delivery finishes on the
         * writer threads, after this returns).
         */
        CompletionStage<BroadcastResult> deliver(RoomName room, Frame frame, Optional<ConnectionId> excluded);
    }

    /** Sets the local subscriber; called once by the hub. */
    void subscribe(Subscriber subscriber);

    /** Publishes a room frame to every node; the stage completes with what the local delivery did. */
    CompletionStage<BroadcastResult> publish(RoomName room, Frame frame, Optional<ConnectionId> excluded);

    /**
     * Tells the bus that a connection of this node entered {@code room}. Called by the hub with the
     * room's lock held, so it must not block (a networked bus records the change and writes it
     * asynchronously). The default does nothing.
     */
    default void memberJoined(RoomName room, ConnectionId connection, String subject) {
    }

    /** Tells the bus that a connection of this node left {@code room}; same rules as {@link #memberJoined}. */
    default void memberLeft(RoomName room, ConnectionId connection) {
    }

    /** Releases the bus's resources; idempotent. */
    @Override
    void close();
}
