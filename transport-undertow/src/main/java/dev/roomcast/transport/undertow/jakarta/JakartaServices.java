package dev.roomcast.transport.undertow.jakarta;

import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every Jakarta connection of one {@link RoomcastJakarta} shares: settings, hub, codec, router,
 * room authorizer, listeners, clock, and the one timer thread that runs heartbeats and upgrade timeouts.
 */
record JakartaServices(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                       RoomAuthorizer roomAuthorizer, List<ConnectionListener> listeners, Clock clock,
                       ScheduledExecutorService timer) {
    JakartaServices {
        listeners = List.copyOf(listeners);
    }
}
