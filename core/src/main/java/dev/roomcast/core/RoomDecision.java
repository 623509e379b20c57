package dev.roomcast.core;

import java.util.Objects;

/** A {@link RoomAuthorizer}'s answer: allowed, or denied with the code the client sees. */
public sealed interface RoomDecision {

    /** The identity may enter the room. */
    record Allowed() implements RoomDecision {
    }

    /**
     * The identity may not enter the room.
     *
     * @param code   {@link ErrorCode#ROOM_FORBIDDEN} or {@link ErrorCode#RATE_LIMITED} (throttled guessing)
     * @param reason why, for logs only; never contains the password
     */
    record Denied(ErrorCode code, String reason) implements RoomDecision {
        public Denied {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The shared allowed decision. */
    static RoomDecision allowed() {
        return new Allowed();
    }

    /** A denial with {@link ErrorCode#ROOM_FORBIDDEN}. */
    static RoomDecision forbidden(String reason) {
        return new Denied(ErrorCode.ROOM_FORBIDDEN, reason);
    }
}
