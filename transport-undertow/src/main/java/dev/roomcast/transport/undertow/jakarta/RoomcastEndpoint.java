package dev.roomcast.transport.undertow.jakarta;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The programmatic Jakarta endpoint, one instance per connection (its configurator makes them): on
 * open it takes the {@link JakartaConnection} the {@link UpgradeFilter} admitted, carried by the
 * session's principal, and attaches it. A session that arrives without one (the filter is not mapped
 * on this path) is closed with 1008 and never reaches the hub, so a missing filter cannot let an
 * unauthenticated client in.
 */
final class RoomcastEndpoint extends Endpoint {
    private static final Logger log = LoggerFactory.getLogger(RoomcastEndpoint.class);

    /** Set in {@link #onOpen}; the container calls this instance's methods for one session only. */
    private volatile JakartaConnection connection;

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        if (!(session.getUserPrincipal() instanceof AdmittedPrincipal admitted) || !admitted.connection().attach(session)) {
            log.error("a WebSocket session on {} was not admitted by the Roomcast upgrade filter; closing it with 1008"
                    + " (map RoomcastJakarta's filter on the endpoint's path)", session.getRequestURI().getPath());
            try {
                session.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "not admitted"));
            } catch (IOException e) {
                log.debug("closing an unadmitted session failed: {}", e.toString());
            }
            return;
        }
        connection = admitted.connection();
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        JakartaConnection c = connection;
        if (c != null) {
            c.closed(closeReason);
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        log.debug("session error: {}", error.toString());
    }
}
