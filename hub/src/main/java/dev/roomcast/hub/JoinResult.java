package dev.roomcast.hub;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomName;
import java.util.List;
import java.util.Objects;

/** The answer of {@link Hub#tryJoin} and {@link Hub#tryJoinBeforeOpen}: joined (with the member list), or refused for a typed reason. */
public sealed interface JoinResult {

    /**
     * The connection is a member of {@code room}.
     *
     * @param room          the room
     * @param members       the members at the time of joining, including the joiner: all of them up to
     *                      {@link Hub#JOINED_MEMBER_LIMIT}, a sample beyond (see {@link Hub#members} for all)
     * @param alreadyMember whether it was a member already (a duplicate join succeeds, even at capacity)
     */
    record Joined(RoomName room, List<RoomMember> members, boolean alreadyMember) implements JoinResult {
        public Joined {
            Objects.requireNonNull(room, "room");
            members = List.copyOf(members);
        }
    }

    /** The join was refused; nothing changed. */
    record Refused(Reason reason) implements JoinResult {
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }

        /** The error code the client sees. */
        public ErrorCode code() {
            return reason.code();
        }
    }

    /** Why a join was refused, in the order {@link Hub#tryJoin} checks. */
    enum Reason {
        /** The hub is stopped or shutting down. */
        STOPPED(ErrorCode.SHUTTING_DOWN),
        /** The room name is not valid. */
        INVALID_ROOM(ErrorCode.INVALID_ROOM),
        /** The connection joined too often (join rate limit). */
        RATE_LIMITED(ErrorCode.RATE_LIMITED),
        /** The hub-wide connection×room registrations limit is reached. */
        REGISTRATIONS_FULL(ErrorCode.HUB_FULL),
        /** The room's member limit is reached. */
        ROOM_FULL(ErrorCode.ROOM_FULL),
        /** The room's broadcast lane had no room for the join step (the job queue is full); never before open. */
        BUSY(ErrorCode.HUB_FULL),
        /**
         * The joiner's send queue was full, so its {@code joined} reply could not be queued ahead of the
         * room's messages; the client is behind and should read, then retry.
         */
        SEND_QUEUE_FULL(ErrorCode.RATE_LIMITED),
        /** The connection is not (or no longer) connected to the hub. */
        NOT_CONNECTED(ErrorCode.SHUTTING_DOWN);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        /** The error code the client sees. */
        public ErrorCode code() {
            return code;
        }
    }
}
