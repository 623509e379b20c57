package dev.roomcast.transport.undertow.jakarta;

import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.internal.EventDispatcher;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every Jakarta connection of one {@link RoomcastJakarta} shares: settings, hub, codec, router,
 * room authorizer, listeners, clock, the one timer thread that runs heartbeats and upgrade timeouts,
 * and the event dispatcher the native transport uses too.
 */
record JakartaServices(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                       RoomAuthorizer roomAuthorizer, List<ConnectionListener> listeners, Clock clock,
                       ScheduledExecutorService timer, EventDispatcher dispatcher) {
    JakartaServices {
        listeners = List.copyOf(listeners);
    }

    JakartaServices(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router, RoomAuthorizer roomAuthorizer,
                    List<ConnectionListener> listeners, Clock clock, ScheduledExecutorService timer) {
        this(config, hub, codec, router, roomAuthorizer, listeners, clock, timer,
                new EventDispatcher(hub, codec, router, roomAuthorizer, listeners, clock));
    }
}
