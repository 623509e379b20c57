package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import java.util.List;

/**
 * What every connection of one server shares: settings, hub, codec, router, room authorizer,
 * listeners, clock, the per-I/O-thread writers and the event dispatcher. One instance per server, so a
 * connection holds one reference, not nine.
 */
public record ConnectionServices(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                                 RoomAuthorizer roomAuthorizer, List<ConnectionListener> listeners, Clock clock,
                                 IoThreadWriters writers, EventDispatcher dispatcher) {
    public ConnectionServices {
        listeners = List.copyOf(listeners);
    }

    /** The services with a dispatcher built from the same hub, codec, router, authorizer, listeners and clock. */
    public ConnectionServices(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                              RoomAuthorizer roomAuthorizer, List<ConnectionListener> listeners, Clock clock,
                              IoThreadWriters writers) {
        this(config, hub, codec, router, roomAuthorizer, listeners, clock, writers,
                new EventDispatcher(hub, codec, router, roomAuthorizer, listeners, clock));
    }
}
