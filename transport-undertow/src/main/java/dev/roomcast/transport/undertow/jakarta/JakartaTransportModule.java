package dev.roomcast.transport.undertow.jakarta;

import dagger.BindsOptionalOf;
import dagger.Module;
import dagger.Provides;
import dagger.multibindings.Multibinds;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.hub.Hub;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes {@link RoomcastJakarta}, the Jakarta WebSocket adapter, in place of
 * {@code UndertowTransportModule}'s {@code RoomcastServer}. It consumes the same bindings: the
 * {@link Hub}, the codec, an {@link EventRouter}, an optional {@link TokenAuthenticator}, a
 * {@link RoomAuthorizer}, an {@link InboundRatePolicy}, and the set of {@link ConnectionListener}s
 * (may be empty). The servlet container is the application's own.
 */
@Module
public interface JakartaTransportModule {

    @BindsOptionalOf
    TokenAuthenticator optionalTokenAuthenticator();

    @Multibinds
    Set<ConnectionListener> connectionListeners();

    @Provides
    @Singleton
    static RoomcastJakarta roomcastJakarta(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                                           Optional<TokenAuthenticator> tokens, InboundRatePolicy inboundRates,
                                           RoomAuthorizer rooms, Set<ConnectionListener> listeners, Clock clock) {
        return new RoomcastJakarta(config, hub, codec, router, tokens, inboundRates, rooms, listeners, clock);
    }
}
