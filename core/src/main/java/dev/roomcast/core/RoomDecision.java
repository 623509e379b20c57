package dev.roomcast.core;

import java.util.Objects;

/**
 * A {@link RoomAuthorizer}'s answer: allowed (with the {@link RoomAccess} the member gets: receive only,
 * or receive and publish), or denied with the code the client sees.
 */
public sealed interface RoomDecision {

    /**
     * The identity may enter the room.
     *
     * @param access what it may do there; {@link RoomAccess#PUBLISH} (the default) lets it {@code publish}
     */
    record Allowed(RoomAccess access) implements RoomDecision {
        public Allowed {
            Objects.requireNonNull(access, "access");
        }

        /** Allowed with {@link RoomAccess#PUBLISH}, as every decision was before rooms had an access. */
        public Allowed() {
            this(RoomAccess.PUBLISH);
        }
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

    /** Allowed to enter, receive and {@code publish} ({@link RoomAccess#PUBLISH}). */
    static RoomDecision allowed() {
        return new Allowed(RoomAccess.PUBLISH);
    }

    /**
     * Allowed to enter and receive the room's broadcasts, but a {@code publish} to it is refused with
     * {@link ErrorCode#PUBLISH_FORBIDDEN} ({@link RoomAccess#SUBSCRIBE}): for feeds only the service writes to.
     */
    static RoomDecision subscribeOnly() {
        return new Allowed(RoomAccess.SUBSCRIBE);
    }

    /** A denial with {@link ErrorCode#ROOM_FORBIDDEN}. */
    static RoomDecision forbidden(String reason) {
        return new Denied(ErrorCode.ROOM_FORBIDDEN, reason);
    }
}
