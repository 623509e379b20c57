package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.TokenAuthenticator;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The upgrade pipeline of DESIGN §4: every check runs, in a fixed order, before any 101 is written,
 * and each failure answers with its status and JSON body. The cheap protocol checks run on the I/O
 * thread. Token verification moves to a virtual thread only when it may block (a key fetch:
 * {@link TokenAuthenticator#mayBlock()}); room authorization and the capacity reservation move there,
 * from the point where that is known, only when these rooms may block
 * ({@link RoomAuthorizer#mayBlock(RoomAccessRequest)}: a password to hash; or joins that wait for the
 * cluster). Staying on the I/O thread spares the upgrade two thread hand-offs (to the virtual thread
 * and back for the 101). A capacity slot and the rooms are reserved in the hub before the 101, so an
 * accepted client is never dropped for capacity after it.
 * Every decision is the {@link UpgradeGate}'s (and its {@link UpgradeRequestParser}'s), shared with the
 * Jakarta WebSocket adapter; this handler adapts the exchange to the parser's view and writes the answer.
 */
public final class UpgradeHandler implements HttpHandler {
    /** When the upgrade started and the trace headers it came with, for the listeners' {@link UpgradeRecord}. */
    private static final AttachmentKey<UpgradeGate.Attempt> ATTEMPT = AttachmentKey.create(UpgradeGate.Attempt.class);

    private final ConnectionServices services;
    private final UpgradeGate gate;
    private final Executor blocking;
    /** Undertow's handshake, whose channels add the frame checks Undertow leaves out ({@link StrictWebSocketChannel}). */
    private final Hybi13Handshake handshake = StrictWebSocketChannel.handshake(UpgradeRequestParser.SUBPROTOCOLS);

    public UpgradeHandler(ConnectionServices services, Optional<TokenAuthenticator> tokens, InboundRatePolicy inboundRates,
                          Executor blocking, String idPrefix) {
        this.services = services;
        this.gate = new UpgradeGate(services.config(), services.hub(), services.roomAuthorizer(), tokens, inboundRates,
                services.listeners(), services.clock(), idPrefix);
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.putAttachment(ATTEMPT, gate.attempt(
                Optional.ofNullable(exchange.getRequestHeaders().getFirst("traceparent")),
                Optional.ofNullable(exchange.getRequestHeaders().getFirst("tracestate"))));
        // 0-8a. what the request says (the parser's checks), then whether the hub runs
        UpgradeRequestParser.Parsed request;
        switch (gate.check(new ExchangeView(exchange))) {
            case UpgradeRequestParser.Refusal refused -> {
                reject(exchange, refused);
                return;
            }
            case UpgradeRequestParser.Parsed parsed -> request = parsed;
        }
        // 8b. the token: on a virtual thread if verifying it may block, else right here
        if (gate.tokenMayBlock(request)) {
            exchange.dispatch(blocking, () -> authenticateAndUpgrade(exchange, request));
        } else {
            authenticateAndUpgrade(exchange, request);
        }
    }

    /**
     * Verifies the token, then moves to a virtual thread for the rooms only if still on the I/O thread
     * and authorizing these rooms may block (a password to hash, a join that waits for the cluster).
     */
    private void authenticateAndUpgrade(HttpServerExchange exchange, UpgradeRequestParser.Parsed request) {
        UpgradeGate.Authentication.Verified verified;
        switch (gate.authenticate(HttpExchanges.clientAddress(exchange), request)) {
            case UpgradeGate.Authentication.Refused refused -> {
                reject(exchange, refused.refusal());
                return;
            }
            case UpgradeGate.Authentication.Verified ok -> verified = ok;
        }
        if (exchange.isInIoThread() && gate.mayBlock(verified)) {
            exchange.dispatch(blocking, () -> authorizeAndUpgrade(exchange, request, verified));
        } else {
            authorizeAndUpgrade(exchange, request, verified); // quick checks only, or already off the I/O thread
        }
    }

    /** The parser's view of an exchange: Undertow's own header collections, not copies (package-private for the fuzz test). */
    record ExchangeView(HttpServerExchange exchange) implements UpgradeRequestParser.RequestView {
        @Override
        public String method() {
            return exchange.getRequestMethod().toString();
        }

        @Override
        public Collection<String> headers(String name) {
            HeaderValues values = exchange.getRequestHeaders().get(name);
            return values == null ? List.of() : values;
        }

        @Override
        public String rawQuery() {
            return exchange.getQueryString(); // DECODE_URL is off: as it came
        }
    }

    /**
     * The last part: authorize rooms, reserve capacity, then answer 101. Runs on a virtual thread, or on
     * the I/O thread when {@link UpgradeGate#mayBlock(UpgradeGate.Authentication.Verified)} says none of it can block.
     */
    private void authorizeAndUpgrade(HttpServerExchange exchange, UpgradeRequestParser.Parsed request,
                                     UpgradeGate.Authentication.Verified verified) {
        // 9. rooms, 9b. inbound rate, 10. capacity: the slot and the rooms are reserved before the 101
        Connection connection;
        switch (gate.admit(verified, (id, identity, inboundRate) -> new Connection(id, identity,
                verified.clientAddress(), request.batching(), services, exchange.getIoThread(), inboundRate))) {
            case UpgradeGate.Admission.Admitted<Connection> admitted -> connection = admitted.peer();
            case UpgradeGate.Admission.Refused<Connection> refused -> {
                reject(exchange, refused.refusal());
                return;
            }
        }
        // Reported before anything can close the connection, so a listener sees the upgrade before the close.
        gate.reportAccepted(connection.id(), exchange.getAttachment(ATTEMPT));
        exchange.getConnection().addCloseListener(c -> connection.abandonIfNotAttached());
        // The 101 is written from the I/O thread, not from this virtual thread: Undertow's buffer pool
        // keeps a thread-local cache (pooled direct buffers and a finalizer) for every thread that
        // allocates, and a fresh virtual thread per upgrade would leave one such cache per connection.
        Runnable answer101 = () -> {
            AsyncWebSocketHttpServerExchange facade = new AsyncWebSocketHttpServerExchange(exchange, NO_PEER_TRACKING);
            exchange.upgradeChannel(new Upgrade(handshake, facade, connection));
            handshake.handshake(facade);
        };
        if (exchange.isInIoThread()) {
            answer101.run();
        } else {
            exchange.dispatch(exchange.getIoThread(), answer101);
        }
    }

    /**
     * Completes one upgrade. Undertow keeps the upgrade listener reachable for the connection's whole
     * life (from the HTTP connection object behind the upgraded socket) unless {@link HttpLayerRelease}
     * can let that go, so the listener forgets the facade, and with it the exchange and the request
     * headers, as soon as it has used them.
     */
    private static final class Upgrade implements io.undertow.server.HttpUpgradeListener {
        private final Hybi13Handshake handshake;
        private AsyncWebSocketHttpServerExchange facade;
        private Connection connection;

        Upgrade(Hybi13Handshake handshake, AsyncWebSocketHttpServerExchange facade, Connection connection) {
            this.handshake = handshake;
            this.facade = facade;
            this.connection = connection;
        }

        @Override
        public void handleUpgrade(org.xnio.StreamConnection streamConnection, HttpServerExchange exchange) {
            AsyncWebSocketHttpServerExchange f = facade;
            Connection c = connection;
            facade = null;
            connection = null;
            WebSocketChannel channel = handshake.createChannel(f, streamConnection, f.getBufferPool());
            // attach touches I/O-thread-owned state, so it must run on the channel's I/O thread; the
            // HTTP layer is released after it, when nothing reads through it any more.
            Runnable attach = () -> {
                c.attach(channel);
                HttpLayerRelease.release(streamConnection, exchange);
            };
            if (Thread.currentThread() == channel.getIoThread()) {
                attach.run();
            } else {
                channel.getIoThread().execute(attach);
            }
        }
    }

    /** Refuses the upgrade; a token refusal's {@code authFailure} is a short fixed word, never the token. */
    private void reject(HttpServerExchange exchange, UpgradeRequestParser.Refusal refusal) {
        gate.reportRefused(refusal, HttpExchanges.clientAddress(exchange), Optional.ofNullable(exchange.getAttachment(ATTEMPT)));
        HttpExchanges.reject(exchange, refusal.code(), refusal.headers());
    }

    /**
     * Undertow wants a set to track open channels; the hub already tracks connections, so this set
     * keeps nothing (saving a per-connection entry and a contended global set).
     */
    private static final Set<WebSocketChannel> NO_PEER_TRACKING = new AbstractSet<>() {
        @Override
        public Iterator<WebSocketChannel> iterator() {
            return Collections.emptyIterator();
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public boolean add(WebSocketChannel channel) {
            return false;
        }

        @Override
        public boolean remove(Object channel) {
            return false;
        }
    };
}
