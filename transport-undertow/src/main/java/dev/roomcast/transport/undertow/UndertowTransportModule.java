package dev.roomcast.transport.undertow;

import dagger.BindsOptionalOf;
import dagger.Module;
import dagger.Provides;
import dagger.multibindings.Multibinds;
import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.hub.Hub;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes the {@link RoomcastServer}. It consumes: the {@link Hub}, the codec, an
 * {@link EventRouter}, an optional {@link TokenAuthenticator} and {@link BroadcastAuthorizer}, a
 * {@link RoomAuthorizer}, an {@link InboundRatePolicy} ({@code UniformInboundRateModule} binds the
 * configured rate for everyone), and the sets of {@link ConnectionListener}s and {@link HttpRoute}s that
 * other modules contribute {@code @IntoSet} (both may be empty).
 */
@Module
public interface UndertowTransportModule {

    @BindsOptionalOf
    TokenAuthenticator optionalTokenAuthenticator();

    @BindsOptionalOf
    BroadcastAuthorizer optionalBroadcastAuthorizer();

    @Multibinds
    Set<ConnectionListener> connectionListeners();

    @Multibinds
    Set<HttpRoute> httpRoutes();

    @Provides
    @Singleton
    static RoomcastServer roomcastServer(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                                         Optional<TokenAuthenticator> tokens, InboundRatePolicy inboundRates,
                                         RoomAuthorizer rooms, Optional<BroadcastAuthorizer> admin,
                                         Set<ConnectionListener> listeners, Set<HttpRoute> routes, Clock clock) {
        return new RoomcastServer(config, hub, codec, router, tokens, inboundRates, rooms, admin, listeners, routes, clock);
    }
}
