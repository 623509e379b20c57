package dev.roomcast.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One message on the wire: {@code {"type":…,"room":…,"id":…,"from":…,"traceparent":…,"payload":…}}.
 * {@code type} selects the handler; {@code id} is chosen by the client and echoed in replies and
 * errors so they can be correlated; {@code from} is set by the server on {@code message} events (the
 * sender's subject) and ignored when a client sends it; {@code traceparent}, optional, is a W3C trace
 * context that lets a client or publisher continue a trace through the hub to every recipient.
 *
 * @param type        the event type, never empty
 * @param room        the room the event concerns, if any (not validated here: handlers validate)
 * @param id          the client's correlation id, if any
 * @param from        the sender's subject on server-sent messages
 * @param payload     the payload; {@link NullNode} when absent
 * @param traceparent a W3C {@code traceparent} ({@link #isValidTraceparent valid} when present)
 */
public record Envelope(String type, Optional<String> room, Optional<String> id, Optional<String> from, JsonNode payload,
                       Optional<String> traceparent) {

    /** Length of a version-00 W3C {@code traceparent}. */
    private static final int TRACEPARENT_LENGTH = 55;

    public Envelope {
        Objects.requireNonNull(type, "type");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("envelope type: expected a non-empty value");
        }
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(from, "from");
        payload = payload == null ? NullNode.getInstance() : payload;
        Objects.requireNonNull(traceparent, "traceparent");
        if (traceparent.isPresent() && !isValidTraceparent(traceparent.get())) {
            throw new IllegalArgumentException("traceparent: expected the W3C form 00-<32 hex>-<16 hex>-<2 hex>");
        }
    }

    /** An envelope without a trace context. */
    public Envelope(String type, Optional<String> room, Optional<String> id, Optional<String> from, JsonNode payload) {
        this(type, room, id, from, payload, Optional.empty());
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
        return new Envelope(type, room, newId, from, payload, traceparent);
    }

    /** A copy with the given sender subject. */
    public Envelope withFrom(String subject) {
        return new Envelope(type, room, id, Optional.of(subject), payload, traceparent);
    }

    /** A copy with the given W3C trace context (empty removes it). */
    public Envelope withTraceparent(Optional<String> newTraceparent) {
        return new Envelope(type, room, id, from, payload, newTraceparent);
    }

    /**
     * Whether {@code value} is a W3C {@code traceparent} (Trace Context level 1): version, 32-hex
     * trace id, 16-hex parent id and 2-hex flags, lower case, joined by dashes; the version is not
     * {@code ff} and neither id is all zeros. Longer values of a future version are refused, so a
     * traceparent never grows an envelope by more than 55 characters.
     */
    public static boolean isValidTraceparent(String value) {
        if (value == null || value.length() != TRACEPARENT_LENGTH) {
            return false;
        }
        for (int i = 0; i < TRACEPARENT_LENGTH; i++) {
            char c = value.charAt(i);
            boolean dash = i == 2 || i == 35 || i == 52;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return !value.startsWith("ff") && !allZeros(value, 3, 35) && !allZeros(value, 36, 52);
    }

    private static boolean allZeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
