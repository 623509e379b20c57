package dev.roomcast.examples.jakarta;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.auth.RoomAcl;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import jakarta.inject.Singleton;

/**
 * Publishes the example's rooms and events: room {@value #STAFF_ROOM} is for tokens with the role
 * {@value #STAFF_ROLE}; everyone may join {@value #ANNOUNCEMENTS_ROOM} but only {@value #STAFF_ROLE}
 * may publish there (the others get {@code PUBLISH_FORBIDDEN}); every other room is open; no events
 * beyond the built-in ones.
 */
@Module
public interface JakartaChatModule {
    /** The room only staff may enter. */
    String STAFF_ROOM = "staff";
    /** The role that opens {@link #STAFF_ROOM} and lets its holders publish to {@link #ANNOUNCEMENTS_ROOM}. */
    String STAFF_ROLE = "staff";
    /** The room everyone may read and only staff may publish to. */
    String ANNOUNCEMENTS_ROOM = "announcements";

    @Provides
    @Singleton
    static RoomAuthorizer roomAuthorizer() {
        return RoomAcl.builder()
                .allowWithRole(STAFF_ROOM, STAFF_ROLE)
                .allowPublishWithRole(ANNOUNCEMENTS_ROOM, STAFF_ROLE)
                .allow("*")
                .build();
    }

    @Provides
    @Singleton
    static EventRouter router() {
        return EventRouter.builder().build();
    }
}
