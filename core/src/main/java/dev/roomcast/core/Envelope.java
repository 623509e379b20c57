package dev.roomcast.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One message on the wire: {@code {"type":…,"room":…,"id":…,"from":…,"payload":…}}. {@code type}
 * selects the handler; {@code id} is chosen by the client and echoed in replies and errors so they
 * can be correlated; {@code from} is set by the server on {@code message} events (the sender's
 * subject) and ignored when a client sends it.
 *
 * @param type    the event type, never empty
 * @param room    the room the event concerns, if any (not validated here: handlers validate)
 * @param id      the client's correlation id, if any
 * @param from    the sender's subject on server-sent messages
 * @param payload the payload; {@link NullNode} when absent
 */
public record Envelope(String type, Optional<String> room, Optional<String> id, Optional<String> from, JsonNode payload) {

    public Envelope {
        Objects.requireNonNull(type, "type");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("envelope type: expected a non-empty value");
        }
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(from, "from");
        payload = payload == null ? NullNode.getInstance() : payload;
    }

    /** An envelope with only a type and payload. */
    public static Envelope of(String type, JsonNode payload) {
        return new Envelope(type, Optional.empty(), Optional.empty(), Optional.empty(), payload);
    }

    /** An envelope addressed to a room. */
    public static Envelope toRoom(String type, RoomName room, JsonNode payload) {
        return new Envelope(type, Optional.of(room.value()), Optional.empty(), Optional.empty(), payload);
    }

    /** A copy with the given correlation id (replies echo the request's id). */
    public Envelope withId(Optional<String> newId) {
        return new Envelope(type, room, newId, from, payload);
    }

    /** A copy with the given sender subject. */
    public Envelope withFrom(String subject) {
        return new Envelope(type, room, id, Optional.of(subject), payload);
    }
}
