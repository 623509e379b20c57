package dev.roomcast.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One finished (or refused) broadcast, for telemetry: its target, the event type, when it was
 * submitted and when its fan-out ended, what happened at the members' queues, and the W3C trace
 * context of the envelope it carried.
 *
 * @param room        the room; empty for a broadcast to every connection
 * @param type        the broadcast envelope's type
 * @param result      what happened at each member's queue, or the refusal
 * @param start       when the broadcast was submitted (before it waited for a worker)
 * @param end         when its fan-out finished (equal to {@code start} when refused at once)
 * @param traceparent the envelope's W3C {@code traceparent}, if it carried one
 */
public record BroadcastRecord(Optional<RoomName> room, String type, BroadcastResult result, Instant start, Instant end,
                              Optional<String> traceparent) {

    public BroadcastRecord {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(traceparent, "traceparent");
        if (end.isBefore(start)) {
            end = start;
        }
    }

    /** From submission to the end of the fan-out, queueing for a worker included. */
    public Duration duration() {
        return Duration.between(start, end);
    }
}
