package dev.roomcast.examples.chat;

import dagger.BindsInstance;
import dagger.Component;
import dev.roomcast.auth.AuthModule;
import dev.roomcast.auth.Hs256AuthModule;
import dev.roomcast.core.CoreModule;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.HubModule;
import dev.roomcast.hub.InProcessClusterBusModule;
import dev.roomcast.observability.ObservabilityModule;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.UndertowTransportModule;
import jakarta.inject.Singleton;

/**
 * The chat service as one Dagger component: core, HS256 auth, the admin broadcast authorizer, the
 * hub on the in-process bus, the Undertow transport, health routes and the chat's own module. Every binding is
 * listed here; nothing is discovered.
 */
@Singleton
@Component(modules = {
        CoreModule.class,
        Hs256AuthModule.class,
        AuthModule.class,
        HubModule.class,
        InProcessClusterBusModule.class,
        UndertowTransportModule.class,
        ObservabilityModule.class,
        ChatModule.class})
public interface ChatServerComponent {

    /** The server, not yet started. */
    RoomcastServer server();

    /** Builds the component from its two inputs. */
    @Component.Factory
    interface Factory {
        ChatServerComponent create(@BindsInstance RoomcastConfig config, @BindsInstance ChatSettings settings);
    }

    /** Builds the chat service for {@code config}. */
    static ChatServerComponent create(RoomcastConfig config, ChatSettings settings) {
        return DaggerChatServerComponent.factory().create(config, settings);
    }
}
