package dev.roomcast.core;

/**
 * Port: decides whether an identity may enter a room. The same authorizer runs for rooms requested
 * at the upgrade ({@code ?room=}) and for rooms joined later with a {@code join} event, so there is
 * one policy. Thread-safe; called off the I/O threads.
 */
@FunctionalInterface
public interface RoomAuthorizer {

    /** Decides on one request. Never throws for a refusal: returns {@link RoomDecision.Denied}. */
    RoomDecision authorize(RoomAccessRequest request);

    /** An authorizer that lets everyone into every room (the default when none is bound). */
    static RoomAuthorizer allowAll() {
        return request -> RoomDecision.allowed();
    }
}
