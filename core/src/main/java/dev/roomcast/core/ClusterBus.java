package dev.roomcast.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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

    // ---- cluster presence ----------------------------------------------------------------------

    /** A member of a room held by another node, as the cluster's presence lists it. */
    record RemoteMember(String nodeId, ConnectionId connectionId, String subject) {
        public RemoteMember {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(connectionId, "connectionId");
            Objects.requireNonNull(subject, "subject");
        }

        /** A member of node {@code nodeId}. */
        public static RemoteMember of(String nodeId, String connectionId, String subject) {
            return new RemoteMember(nodeId, ConnectionId.of(connectionId), subject);
        }
    }

    /**
     * What the other nodes hold of one room: some of their members and how many there are.
     *
     * @param sample   members of other nodes, at most the limit asked for
     * @param count    how many members the other nodes hold in all (at least {@code sample.size()})
     * @param complete false when the other nodes' presence could not be read (then both are empty)
     */
    record RemoteMembers(List<RemoteMember> sample, int count, boolean complete) {
        /** Nobody on another node: the answer of a single-node bus. */
        public static final RemoteMembers NONE = new RemoteMembers(List.of(), 0, true);
        /** The other nodes' presence could not be read (for example Redis is unreachable). */
        public static final RemoteMembers UNAVAILABLE = new RemoteMembers(List.of(), 0, false);

        public RemoteMembers {
            sample = List.copyOf(sample);
            if (count < sample.size()) {
                throw new IllegalArgumentException("count: expected at least " + sample.size() + " but was " + count);
            }
        }

        /** {@code sample} of {@code count} members of other nodes. */
        public static RemoteMembers of(List<RemoteMember> sample, int count) {
            return new RemoteMembers(sample, count, true);
        }
    }

    /** Receives members of other nodes that left {@code room} without a leave of their own. */
    @FunctionalInterface
    interface DepartureSubscriber {
        /**
         * Members of another node that are gone from {@code room} because their node died or
         * stopped; each is reported once. Runs on a thread of the bus and must not block.
         */
        void departed(RoomName room, List<RemoteMember> members);
    }

    /** Whether this bus joins several nodes, so that a join's reply waits (briefly) for {@link #remoteMembers}. The default: false. */
    default boolean spansNodes() {
        return false;
    }

    /**
     * Up to {@code limit} members of {@code room} held by other nodes, and their total. Never blocks;
     * the stage completes within the bus's own bound, with {@link RemoteMembers#UNAVAILABLE} when the
     * other nodes cannot be asked. The default: {@link RemoteMembers#NONE}.
     */
    default CompletionStage<RemoteMembers> remoteMembers(RoomName room, int limit) {
        return CompletableFuture.completedFuture(RemoteMembers.NONE);
    }

    /** Sets who hears of other nodes' departed members; called once by the hub. The default never reports any. */
    default void subscribeDepartures(DepartureSubscriber subscriber) {
    }

    /**
     * Tells the bus that this node is stopping: the members it closes from now on are left for the
     * other nodes to announce when the bus closes, instead of one by one. The default does nothing.
     */
    default void stopping() {
    }

    /** Releases the bus's resources; idempotent. */
    @Override
    void close();
}
