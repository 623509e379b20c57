package dev.roomcast.core;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Port: the history of the rooms that keep one, and the path their broadcasts take instead of the
 * {@link ClusterBus}. An {@link #append} gives the message its room offset and the epoch, stores it
 * and relays it, as one step, so that every node (the publishing one included) receives the room's
 * messages through {@link Subscriber#deliver} in offset order; {@link #read} returns what a client
 * that reconnects missed. Rooms that keep no history ({@link #keeps} false) never reach this port and
 * their frames carry no offset. Without a binding the hub keeps no history.
 *
 * <p>Implementations never block the caller: every call returns a stage, completed on the
 * implementation's own threads (failed, not late, when its store is unreachable).
 */
public interface RoomHistory extends AutoCloseable {

    /** Receives the stamped frames of history rooms, in each room's offset order. */
    @FunctionalInterface
    interface Subscriber {
        /**
         * Delivers {@code frame} (stamped at {@code position}) to this node's members of {@code room},
         * except {@code excluded}; called on the history's own thread, which must not wait.
         */
        void deliver(RoomName room, StreamPosition position, Frame frame, Optional<ConnectionId> excluded);
    }

    /** Whether {@code room} keeps a history; constant for the life of this instance. */
    boolean keeps(RoomName room);

    /**
     * Sets the local subscriber; called once by the hub, before anything is appended through this
     * instance. Returns, for each kept room that has a position, the room's position at a moment the
     * subscription was already in effect: every message after it reaches {@code subscriber}; one at
     * or before it may reach it as well, or not at all (it was appended before the subscription), so
     * the hub delivers none of those. A room absent from the map had no message and no position yet:
     * all of its messages reach the subscriber. This lets a recovering join tell a message still on
     * its way to this node from one that will never come. Throws {@link IllegalStateException} when
     * the positions cannot be read (the store is unreachable).
     */
    Map<RoomName, StreamPosition> subscribe(Subscriber subscriber);

    /**
     * Gives {@code frame} (a JSON object, as the codec encodes it) the room's next offset and the epoch,
     * stores it and relays it to every node's subscriber, this one's included. The stage completes with
     * the position once the store took it, or fails (store unreachable, timed out, closed): then the
     * frame was neither stored nor relayed.
     */
    CompletionStage<StreamPosition> append(RoomName room, Frame frame, Optional<ConnectionId> excluded);

    /**
     * The room's latest position and, when {@code since} is given, the messages after it (see
     * {@link HistoryRead#recovered}); at most {@code limit} of them, more counts as not recovered.
     * Fails when the store is unreachable.
     */
    CompletionStage<HistoryRead> read(RoomName room, Optional<StreamPosition> since, int limit);

    /** Releases the history's resources; idempotent. */
    @Override
    void close();
}
