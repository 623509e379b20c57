package dev.roomcast.examples.jakarta;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.auth.RoomAcl;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import jakarta.inject.Singleton;

/**
 * Publishes the example's rooms and events: room {@value #STAFF_ROOM} is for tokens with the role
 * {@value #STAFF_ROLE}, every other room is open; no events beyond the built-in ones.
 */
@Module
public interface JakartaChatModule {
    /** The room only staff may enter. */
    String STAFF_ROOM = "staff";
    /** The role that opens {@link #STAFF_ROOM}. */
    String STAFF_ROLE = "staff";

    @Provides
    @Singleton
    static RoomAuthorizer roomAuthorizer() {
        return RoomAcl.builder().allowWithRole(STAFF_ROOM, STAFF_ROLE).allow("*").build();
    }

    @Provides
    @Singleton
    static EventRouter router() {
        return EventRouter.builder().build();
    }
}
