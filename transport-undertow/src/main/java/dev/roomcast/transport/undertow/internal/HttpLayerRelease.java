package dev.roomcast.transport.undertow.internal;

import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpServerExchange;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.StreamConnection;

/**
 * Lets go of Undertow's HTTP connection once its socket has become a WebSocket. Undertow keeps the
 * HTTP connection as the socket's close listener, and in its listener's set of open connections,
 * until the socket closes: for the WebSocket's whole life. With it stay the request parser's state
 * and header cache (holding the upgrade's header values, the bearer token among them) and the
 * response conduits, about 2 KB per idle connection, a third of what one cost before. This runs
 * that close listener at the upgrade instead (which takes the connection out of the set, cancels
 * its request-parse timer and frees its buffers) and unhooks it from the socket, so it can be
 * collected.
 *
 * <p>XNIO has no public way to remove a close listener (setting one merges it with the current
 * one), so the socket's listener field is cleared through a {@link VarHandle}. Should a later XNIO
 * rename that field, the release is skipped, with one warning at startup, and connections keep
 * their HTTP layer as they did before: nothing else depends on it.
 */
final class HttpLayerRelease {
    private static final Logger log = LoggerFactory.getLogger(HttpLayerRelease.class);
    private static final VarHandle CLOSE_LISTENER = closeListenerField();

    private HttpLayerRelease() {
    }

    private static VarHandle closeListenerField() {
        try {
            return MethodHandles.privateLookupIn(StreamConnection.class, MethodHandles.lookup())
                    .findVarHandle(StreamConnection.class, "closeListener", AtomicReference.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("XNIO's StreamConnection.closeListener is not accessible ({}): upgraded connections keep "
                    + "Undertow's HTTP connection (about 2 KB each) until they close", e.toString());
            return null;
        }
    }

    /** Whether this XNIO lets the release happen (false: upgraded connections keep their HTTP layer). */
    static boolean isAvailable() {
        return CLOSE_LISTENER != null;
    }

    /**
     * Releases the HTTP layer of {@code socket}, just upgraded by {@code exchange}. Call on the
     * socket's I/O thread after the WebSocket channel took over reading, so the HTTP connection's
     * close listeners (among them the upgrade's own, which releases a connection never attached)
     * find the WebSocket attached.
     */
    @SuppressWarnings("unchecked")
    static void release(StreamConnection socket, HttpServerExchange exchange) {
        if (CLOSE_LISTENER == null) {
            return;
        }
        if (exchange.getConnection() instanceof AbstractServerConnection http && http.getExtraBytes() != null) {
            return; // bytes the client sent past the request are still read through the HTTP connection
        }
        ChannelListener<? super StreamConnection> listener = socket.getCloseListener();
        AtomicReference<Object> field = (AtomicReference<Object>) CLOSE_LISTENER.get(socket);
        if (listener == null || field == null || !field.compareAndSet(listener, null)) {
            return; // closed meanwhile: its close listener has run or runs anyway
        }
        ChannelListeners.invokeChannelListener(socket, listener);
    }
}
