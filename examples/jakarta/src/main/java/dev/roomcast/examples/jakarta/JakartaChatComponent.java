package dev.roomcast.examples.jakarta;

import dagger.BindsInstance;
import dagger.Component;
import dev.roomcast.auth.Hs256AuthModule;
import dev.roomcast.core.CoreModule;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.UniformInboundRateModule;
import dev.roomcast.hub.HubModule;
import dev.roomcast.hub.InProcessClusterBusModule;
import dev.roomcast.transport.undertow.jakarta.JakartaTransportModule;
import dev.roomcast.transport.undertow.jakarta.RoomcastJakarta;
import jakarta.inject.Singleton;

/**
 * The Roomcast part of the servlet application as one Dagger component: core, HS256 tokens, the hub on
 * the in-process bus, one inbound rate for everyone, the Jakarta WebSocket transport in place of the
 * native server, and the example's rooms. The servlet container is not in here: it is the application's.
 */
@Singleton
// snippet:jakarta-component
@Component(modules = {
        CoreModule.class,
        Hs256AuthModule.class,
        HubModule.class,
        InProcessClusterBusModule.class,
        UniformInboundRateModule.class,
        JakartaTransportModule.class, // publishes RoomcastJakarta instead of RoomcastServer
        JakartaChatModule.class})
// end-snippet
public interface JakartaChatComponent {

    /** The adapter, not yet installed in a servlet context. */
    RoomcastJakarta roomcast();

    /** Builds the component for {@code config}. */
    static JakartaChatComponent create(RoomcastConfig config) {
        return DaggerJakartaChatComponent.factory().create(config);
    }

    /** Builds the component from its one input. */
    @Component.Factory
    interface Factory {
        JakartaChatComponent create(@BindsInstance RoomcastConfig config);
    }
}
