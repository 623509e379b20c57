package dev.roomcast.examples.chat;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.ElementsIntoSet;
import dev.roomcast.auth.PasswordRoomAuthorizer;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastException;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Set;

/**
 * Publishes what makes the service a chat: its {@link EventRouter} (the {@code typing} event) and its
 * {@link RoomAuthorizer} (room {@code vip} needs a password; every other room is open), and the
 * browser page's HTTP routes ({@link ChatPage}).
 */
@Module
public interface ChatModule {

    /** The {@code vip} room's name. */
    RoomName VIP = RoomName.of("vip");

    @Provides
    @Singleton
    static RoomAuthorizer roomAuthorizer(ChatSettings settings, Clock clock) {
        PasswordRoomAuthorizer passwords = new PasswordRoomAuthorizer(clock);
        passwords.setPassword(VIP, settings.vipPassword());
        return passwords;
    }

    @Provides
    @ElementsIntoSet
    static Set<HttpRoute> pageRoutes(ChatSettings settings) {
        return ChatPage.routes(settings);
    }

    @Provides
    @Singleton
    static EventRouter router() {
        // snippet:chat-router
        return EventRouter.builder()
                .on("typing", Typing.class, (ctx, typing) -> {
                    RoomName room = RoomName.parse(typing.room())
                            .orElseThrow(() -> new RoomcastException(ErrorCode.INVALID_ROOM, "typing in an invalid room"));
                    if (!ctx.rooms().contains(room)) {
                        throw new RoomcastException(ErrorCode.NOT_IN_ROOM, "typing in a room not joined");
                    }
                    ctx.broadcast(room, "typing", Map.of("subject", ctx.identity().subject()));
                })
                .build();
        // end-snippet
    }
}
