package dev.roomcast.core;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

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

    /** Releases the bus's resources; idempotent. */
    @Override
    void close();
}
