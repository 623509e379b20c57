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
 * listeners, clock and the per-I/O-thread writers. One instance per server, so a connection holds
 * one reference, not eight.
 */
public record ConnectionServices(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                                 RoomAuthorizer roomAuthorizer, List<ConnectionListener> listeners, Clock clock,
                                 IoThreadWriters writers) {
    public ConnectionServices {
        listeners = List.copyOf(listeners);
    }
}
