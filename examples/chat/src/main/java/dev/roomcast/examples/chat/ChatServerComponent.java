package dev.roomcast.examples.chat;

import dagger.BindsInstance;
import dagger.Component;
import dev.roomcast.auth.AuthModule;
import dev.roomcast.auth.Hs256AuthModule;
import dev.roomcast.core.CoreModule;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.HubModule;
import dev.roomcast.hub.InMemoryHistoryModule;
import dev.roomcast.hub.InProcessClusterBusModule;
import dev.roomcast.observability.ObservabilityModule;
import dev.roomcast.observability.TracingModule;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.UndertowTransportModule;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

/**
 * The chat service as one Dagger component: core, HS256 auth, the admin broadcast authorizer, the
 * hub on the in-process bus, the Undertow transport with the chat's inbound rates per role, observability (Prometheus {@code /metrics},
 * {@code /health} and {@code /ready}, metrics and tracing listeners) and the chat's own module. Every
 * binding is listed here; nothing is discovered.
 */
@Singleton
// snippet:chat-observability
@Component(modules = {
        CoreModule.class,
        Hs256AuthModule.class,
        AuthModule.class,
        HubModule.class,
        InProcessClusterBusModule.class,
        InMemoryHistoryModule.class,   // rooms listed in RoomHistoryConfig keep a history (none by default)
        UndertowTransportModule.class,
        ChatInboundRateModule.class, // a role `publisher` may get its own inbound rate
        ObservabilityModule.class,   // MetricsListener, /metrics, /health, /ready
        TracingModule.class,         // TracingListener, on the OpenTelemetry given to the factory
        ChatModule.class})
// end-snippet
public interface ChatServerComponent {

    /** The server, not yet started. */
    RoomcastServer server();

    /** Builds the component from its inputs. */
    @Component.Factory
    interface Factory {
        ChatServerComponent create(@BindsInstance RoomcastConfig config, @BindsInstance ChatSettings settings,
                                   @BindsInstance OpenTelemetry openTelemetry, @BindsInstance RoomHistoryConfig histories);
    }

    /** Builds the chat service for {@code config}, without tracing. */
    static ChatServerComponent create(RoomcastConfig config, ChatSettings settings) {
        return create(config, settings, OpenTelemetry.noop());
    }

    /** Builds the chat service for {@code config}, recording spans through {@code openTelemetry}. */
    static ChatServerComponent create(RoomcastConfig config, ChatSettings settings, OpenTelemetry openTelemetry) {
        return create(config, settings, openTelemetry, RoomHistoryConfig.none());
    }

    /** Builds the chat service for {@code config}, the rooms {@code histories} lists keeping a history in memory. */
    static ChatServerComponent create(RoomcastConfig config, ChatSettings settings, OpenTelemetry openTelemetry,
                                      RoomHistoryConfig histories) {
        return DaggerChatServerComponent.factory().create(config, settings, openTelemetry, histories);
    }
}
