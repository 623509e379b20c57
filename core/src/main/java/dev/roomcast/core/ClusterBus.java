package dev.roomcast.core;

import java.util.Optional;

/**
 * Port: the path every room broadcast takes, so that a multi-node deployment can carry room frames
 * between servers (for example over Redis) without the hub changing. The hub subscribes once with
 * its local delivery; {@link #publish} must deliver to that subscriber on this node and to the
 * subscribers on every other node. The default, in-process bus just calls the local subscriber.
 */
public interface ClusterBus extends AutoCloseable {

    /** Receives room frames to deliver to this node's members. */
    @FunctionalInterface
    interface Subscriber {
        /** Deliver {@code frame} to the local members of {@code room}, except {@code excluded}. */
        BroadcastResult deliver(RoomName room, Frame frame, Optional<ConnectionId> excluded);
    }

    /** Sets the local subscriber; called once by the hub. */
    void subscribe(Subscriber subscriber);

    /** Publishes a room frame to every node; returns what the local delivery did. */
    BroadcastResult publish(RoomName room, Frame frame, Optional<ConnectionId> excluded);

    /** Releases the bus's resources; idempotent. */
    @Override
    void close();
}
