package dev.roomcast.core;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What a handler sees of the connection whose event it handles: the identity bound at the upgrade,
 * the envelope, and the verbs to answer. Valid only during the handler call, on the connection's
 * own virtual thread.
 */
public interface EventContext {

    /** The connection's id. */
    ConnectionId connectionId();

    /** The identity established at the upgrade; never re-checked per message. */
    Identity identity();

    /** The envelope being handled. */
    Envelope envelope();

    /** The rooms this connection is in now. */
    Set<RoomName> rooms();

    /** Sends a reply to this connection, echoing the request's {@code id}. */
    SendResult reply(String type, Object payload);

    /** Sends a server-initiated event to this connection (no {@code id}). */
    SendResult push(String type, Object payload);

    /** Broadcasts an event to every member of {@code room}; completes when the fan-out has run. */
    CompletionStage<BroadcastResult> broadcast(RoomName room, String type, Object payload);
}
