package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Identity;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.UpgradeRecord;
import dev.roomcast.hub.Admission;
import dev.roomcast.hub.JoinResult;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;
import java.time.Instant;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upgrade pipeline of DESIGN §4: every check runs, in a fixed order, before any 101 is written,
 * and each failure answers with its status and JSON body. The checks that read only the request
 * (method to token presence) are {@link UpgradeRequestParser}'s and run on the I/O thread. Token verification, room authorization and the capacity reservation run on a virtual
 * thread when one of them may block (key fetches, password hashing: {@link TokenAuthenticator#mayBlock()},
 * {@link RoomAuthorizer#mayBlock()}), and stay on the I/O thread when none may, which spares the
 * upgrade two thread hand-offs (to the virtual thread and back for the 101). A capacity slot and the
 * rooms are reserved in the hub before the 101, so an accepted client is never dropped for capacity after it.
 */
public final class UpgradeHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(UpgradeHandler.class);

    /** When the upgrade started and the trace headers it came with, for the listeners' {@link UpgradeRecord}. */
    private static final AttachmentKey<Attempt> ATTEMPT = AttachmentKey.create(Attempt.class);

    private final ConnectionServices services;
    private final Optional<TokenAuthenticator> tokens;
    private final InboundRatePolicy inboundRates;
    private final Executor blocking;
    /** Undertow's handshake, whose channels add the frame checks Undertow leaves out ({@link StrictWebSocketChannel}). */
    private final Hybi13Handshake handshake = StrictWebSocketChannel.handshake(UpgradeRequestParser.SUBPROTOCOLS);
    /** Checks 1 to 8a, which read only the request. */
    private final UpgradeRequestParser parser;
    private final String idPrefix;
    private final AtomicLong nextId = new AtomicLong();

    public UpgradeHandler(ConnectionServices services, Optional<TokenAuthenticator> tokens, InboundRatePolicy inboundRates,
                          Executor blocking, String idPrefix) {
        this.services = services;
        this.tokens = tokens;
        this.inboundRates = inboundRates;
        this.blocking = blocking;
        this.parser = new UpgradeRequestParser(services.config());
        this.idPrefix = idPrefix;
    }

    /** What the I/O-thread checks learned, handed to the blocking part. */
    private record Request(String clientAddress, boolean batching, List<String> rooms, Optional<String> token,
                           Optional<String> roomPassword) {
    }

    /** What telemetry needs of an upgrade request beyond its outcome. */
    private record Attempt(Instant start, Optional<String> traceparent, Optional<String> tracestate) {
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.putAttachment(ATTEMPT, new Attempt(services.clock().now(),
                Optional.ofNullable(exchange.getRequestHeaders().getFirst("traceparent")),
                Optional.ofNullable(exchange.getRequestHeaders().getFirst("tracestate"))));
        // 1-8a: what the request itself says, checked by the pure parser (no Undertow types in it)
        UpgradeRequestParser.Parsed parsed;
        switch (parser.parse(new ExchangeView(exchange))) {
            case UpgradeRequestParser.Refused refused -> {
                reject(exchange, refused.code(), refused.detail(), refused.headers(), refused.authFailure());
                return;
            }
            case UpgradeRequestParser.Parsed ok -> parsed = ok;
        }
        if (!services.hub().isRunning()) {
            reject(exchange, ErrorCode.SHUTTING_DOWN, "hub not running", Map.of());
            return;
        }
        Request request = new Request(HttpExchanges.clientAddress(exchange), parsed.batching(), parsed.rooms(),
                parsed.token(), parsed.roomPassword());
        if (checksMayBlock(request)) {
            exchange.dispatch(blocking, () -> authorizeAndUpgrade(exchange, request));
        } else {
            authorizeAndUpgrade(exchange, request); // quick checks only: stay on the I/O thread
        }
    }

    /** The parser's view of an exchange: Undertow's own header and query collections, not copies (package-private for the fuzz test). */
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
        public Collection<String> query(String name) {
            Deque<String> values = exchange.getQueryParameters().get(name);
            return values == null ? List.of() : values;
        }
    }

    /** Whether the checks this request needs may block: then they must leave the I/O thread. */
    private boolean checksMayBlock(Request request) {
        boolean tokenMayBlock = request.token().isPresent() && tokens.isPresent() && tokens.get().mayBlock();
        boolean roomsMayBlock = !request.rooms().isEmpty() && services.roomAuthorizer().mayBlock();
        return tokenMayBlock || roomsMayBlock;
    }

    /**
     * The second half: verify the token, authorize rooms, reserve capacity, then answer 101. Runs on a
     * virtual thread, or on the I/O thread when {@link #checksMayBlock} says none of it can block.
     */
    private void authorizeAndUpgrade(HttpServerExchange exchange, Request request) {
        ConnectionId id = ConnectionId.of(idPrefix + Long.toString(nextId.incrementAndGet(), 36));
        // 8b. token verification; a supplied token is verified even when anonymous access is allowed
        Identity identity;
        if (request.token().isPresent()) {
            if (tokens.isEmpty()) {
                reject(exchange, ErrorCode.INVALID_TOKEN, "token supplied but no authenticator is configured", Map.of(),
                        Optional.of("no_authenticator"));
                return;
            }
            switch (tokens.get().authenticate(request.token().get())) {
                case AuthResult.Authenticated ok -> identity = ok.identity();
                case AuthResult.Rejected no -> {
                    reject(exchange, ErrorCode.INVALID_TOKEN, "token rejected: " + no.reason(), Map.of(),
                            Optional.of(no.reason()));
                    return;
                }
            }
        } else {
            identity = Identity.anonymous(id);
        }
        // 9. room authorization
        for (String room : request.rooms()) {
            RoomDecision decision = services.roomAuthorizer().authorize(
                    new RoomAccessRequest(identity, RoomName.of(room), request.roomPassword(), request.clientAddress()));
            if (decision instanceof RoomDecision.Denied denied) {
                notifyListeners(l -> l.onRoomAccessDenied(RoomName.of(room), denied.code()));
                reject(exchange, denied.code(), "room " + room + " refused: " + denied.reason(), Map.of());
                return;
            }
        }
        // 9b. the inbound rate, decided once from the verified identity: no lookup per message
        InboundRate inboundRate;
        try {
            inboundRate = inboundRates.rateFor(identity);
        } catch (RuntimeException e) {
            log.error("the inbound rate policy failed for connection {}", id, e);
            inboundRate = null;
        }
        if (inboundRate == null) {
            reject(exchange, ErrorCode.INTERNAL, "the inbound rate policy gave no rate", Map.of());
            return;
        }
        // 10. capacity: the slot and the rooms are reserved before the 101
        Connection connection = new Connection(id, identity, request.clientAddress(), request.batching(), services,
                exchange.getIoThread(), inboundRate);
        if (services.hub().tryConnect(connection) instanceof Admission.Refused refused) {
            reject(exchange, refused.code(), "hub refused the connection", Map.of());
            return;
        }
        // The connection has no channel yet, so nothing queued for it can reach the client before
        // these joins return: they complete here, without waiting for the rooms' lanes.
        for (String room : request.rooms()) {
            if (services.hub().tryJoinBeforeOpen(connection, room) instanceof JoinResult.Refused refused) {
                services.hub().disconnect(connection);
                reject(exchange, refused.code(), "join of " + room + " refused: " + refused.reason(), Map.of());
                return;
            }
        }
        // Reported before anything can close the connection, so a listener sees the upgrade before the close.
        Attempt attempt = exchange.getAttachment(ATTEMPT);
        UpgradeRecord accepted = UpgradeRecord.accepted(id, attempt.traceparent(), attempt.tracestate(), attempt.start(),
                services.clock().now());
        notifyListeners(l -> l.onUpgradeAttempted(accepted));
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

    private void reject(HttpServerExchange exchange, ErrorCode code, String detail, Map<String, String> headers) {
        reject(exchange, code, detail, headers, Optional.empty());
    }

    /** Refuses the upgrade; {@code authFailure} is the short fixed word of a token refusal, never the token. */
    private void reject(HttpServerExchange exchange, ErrorCode code, String detail, Map<String, String> headers,
                        Optional<String> authFailure) {
        log.info("upgrade refused {} {} from {}: {}", code.httpStatus(), code, HttpExchanges.clientAddress(exchange), detail);
        for (ConnectionListener l : services.listeners()) {
            try {
                l.onUpgradeRejected(code, detail);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
        Attempt attempt = exchange.getAttachment(ATTEMPT);
        if (attempt != null) {
            UpgradeRecord rejected = UpgradeRecord.rejected(code, authFailure, attempt.traceparent(), attempt.tracestate(),
                    attempt.start(), services.clock().now());
            notifyListeners(l -> l.onUpgradeAttempted(rejected));
        }
        HttpExchanges.reject(exchange, code, headers);
    }

    private void notifyListeners(Consumer<ConnectionListener> call) {
        for (ConnectionListener l : services.listeners()) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
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
