package dev.roomcast.core;

/**
 * What a member may do in a room once a {@link RoomAuthorizer} has let it in: receive the room's
 * broadcasts only, or also {@code publish} to it. The right is decided at every entry (the upgrade's
 * {@code ?room=} and each {@code join}) and kept with the membership until the member leaves; a
 * {@code publish} without it is answered with an {@code error} event, {@link ErrorCode#PUBLISH_FORBIDDEN},
 * and reaches nobody. Only client {@code publish} events are covered: the service's own broadcasts
 * (through the hub or an event handler's {@code EventContext.broadcast}) are its own decision.
 */
public enum RoomAccess {
    /** Receives the room's broadcasts; a {@code publish} to the room is refused. */
    SUBSCRIBE,
    /** Receives the room's broadcasts and may {@code publish} to it: the default. */
    PUBLISH;

    /** Whether a member with this access may {@code publish} to the room. */
    public boolean mayPublish() {
        return this == PUBLISH;
    }

    /** The narrower of this and {@code other}: {@link #SUBSCRIBE} if either is. */
    public RoomAccess narrowest(RoomAccess other) {
        return this == SUBSCRIBE || other == SUBSCRIBE ? SUBSCRIBE : PUBLISH;
    }
}
