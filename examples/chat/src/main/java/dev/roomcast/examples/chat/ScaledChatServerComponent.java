package dev.roomcast.examples.chat;

import dagger.BindsInstance;
import dagger.Component;
import dev.roomcast.auth.AuthModule;
import dev.roomcast.auth.Hs256AuthModule;
import dev.roomcast.cluster.redis.RedisClusterConfig;
import dev.roomcast.cluster.redis.RedisClusterModule;
import dev.roomcast.cluster.redis.RedisHistoryModule;
import dev.roomcast.core.CoreModule;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.HubModule;
import dev.roomcast.observability.ObservabilityModule;
import dev.roomcast.observability.TracingModule;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.UndertowTransportModule;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

/**
 * The chat service as one node of several: the same modules as {@link ChatServerComponent}, with
 * the Redis cluster bus ({@link RedisClusterModule}) in place of the in-process one, so rooms,
 * messages and presence span every node sharing the Redis of {@link RedisClusterConfig}.
 */
@Singleton
// snippet:chat-scale-out
@Component(modules = {
        CoreModule.class,
        Hs256AuthModule.class,
        AuthModule.class,
        HubModule.class,
        RedisClusterModule.class,    // instead of InProcessClusterBusModule: the bus is the only change
        RedisHistoryModule.class,    // and the histories live in Redis, shared by every node
        UndertowTransportModule.class,
        ChatInboundRateModule.class,
        ObservabilityModule.class,
        TracingModule.class,
        ChatModule.class})
// end-snippet
public interface ScaledChatServerComponent {

    /** The server, not yet started. */
    RoomcastServer server();

    /** Builds the component from its inputs. */
    @Component.Factory
    interface Factory {
        ScaledChatServerComponent create(@BindsInstance RoomcastConfig config, @BindsInstance ChatSettings settings,
                                         @BindsInstance OpenTelemetry openTelemetry,
                                         @BindsInstance RedisClusterConfig cluster,
                                         @BindsInstance RoomHistoryConfig histories);
    }

    /** Builds one node of the chat service; connects to Redis (and fails naming its address if it cannot). */
    static ScaledChatServerComponent create(RoomcastConfig config, ChatSettings settings, OpenTelemetry openTelemetry,
                                            RedisClusterConfig cluster) {
        return create(config, settings, openTelemetry, cluster, RoomHistoryConfig.none());
    }

    /** One node of the chat service whose rooms listed in {@code histories} keep a history in Redis. */
    static ScaledChatServerComponent create(RoomcastConfig config, ChatSettings settings, OpenTelemetry openTelemetry,
                                            RedisClusterConfig cluster, RoomHistoryConfig histories) {
        return DaggerScaledChatServerComponent.factory().create(config, settings, openTelemetry, cluster, histories);
    }
}
