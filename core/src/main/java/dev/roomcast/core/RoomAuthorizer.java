package dev.roomcast.core;

/**
 * Port: decides whether an identity may enter a room. The same authorizer runs for rooms requested
 * at the upgrade ({@code ?room=}) and for rooms joined later with a {@code join} event, so there is
 * one policy. Thread-safe; called off the I/O threads unless it says with {@link #mayBlock()} that it
 * never blocks.
 */
@FunctionalInterface
public interface RoomAuthorizer {

    /** Decides on one request. Never throws for a refusal: returns {@link RoomDecision.Denied}. */
    RoomDecision authorize(RoomAccessRequest request);

    /**
     * Whether {@link #authorize} may block or run long (password hashing, a database). Like
     * {@link TokenAuthenticator#mayBlock()}: when neither the authenticator nor this authorizer may
     * block, the upgrade checks run on the I/O thread. {@code true} unless an implementation knows better.
     */
    default boolean mayBlock() {
        return true;
    }

    /**
     * Whether {@link #authorize} may block for this one request; asked on the I/O thread, after the
     * token is verified, with the request {@code authorize} will then get. An authorizer whose slow
     * path is rare (a password hash checked only when a password is sent) answers {@code false} for
     * the rest, so those upgrades skip two thread hand-offs. Must be quick and must not block.
     * {@link #mayBlock()} unless an implementation knows better.
     */
    default boolean mayBlock(RoomAccessRequest request) {
        return mayBlock();
    }

    /** An authorizer that lets everyone into every room (the default when none is bound). Never blocks. */
    static RoomAuthorizer allowAll() {
        return new RoomAuthorizer() {
            @Override
            public RoomDecision authorize(RoomAccessRequest request) {
                return RoomDecision.allowed();
            }

            @Override
            public boolean mayBlock() {
                return false;
            }
        };
    }
}
