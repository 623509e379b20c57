package dev.roomcast.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What handling one decoded inbound event did, for telemetry: its type, room and size, when its
 * handling started and ended on the connection's thread, and how it ended.
 *
 * @param type        the envelope's type (as sent: telemetry must bound it before using it as a label)
 * @param room        the envelope's room, if any (not validated)
 * @param bytes       the message's size in UTF-8 bytes
 * @param start       when handling started
 * @param end         when handling ended (the reply or error is queued by then)
 * @param outcome     how it ended
 * @param error       the code the client got when {@code outcome} is {@link Outcome#REJECTED}
 * @param traceparent the envelope's W3C {@code traceparent}, if it carried one
 */
public record EventRecord(String type, Optional<String> room, long bytes, Instant start, Instant end, Outcome outcome,
                          Optional<ErrorCode> error, Optional<String> traceparent) {

    /** How handling an event ended. */
    public enum Outcome {
        /** The handler returned normally. */
        HANDLED,
        /** The client got an {@code error} event (a {@link RoomcastException}); the connection stays open. */
        REJECTED,
        /** The handler asked to close the connection ({@link CloseConnection}). */
        CLOSED,
        /** The handler failed unexpectedly; the connection is closed with 1011. */
        FAILED
    }

    public EventRecord {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(traceparent, "traceparent");
        if (end.isBefore(start)) {
            end = start;
        }
    }

    /** How long handling took. */
    public Duration duration() {
        return Duration.between(start, end);
    }
}
