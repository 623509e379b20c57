package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.TokenAuthenticator;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The upgrade pipeline of DESIGN §4: every check runs, in a fixed order, before any 101 is written,
 * and each failure answers with its status and JSON body. The cheap protocol checks run on the I/O
 * thread. Token verification, room authorization and the capacity reservation run on a virtual
 * thread when one of them may block (key fetches, password hashing: {@link TokenAuthenticator#mayBlock()},
 * {@link RoomAuthorizer#mayBlock()}), and stay on the I/O thread when none may, which spares the
 * upgrade two thread hand-offs (to the virtual thread and back for the 101). A capacity slot and the
 * rooms are reserved in the hub before the 101, so an accepted client is never dropped for capacity after it.
 * Steps 6 to 10 are the {@link UpgradeGate}'s decisions, shared with the Jakarta WebSocket adapter; this
 * handler reads the request and writes the answer.
 */
public final class UpgradeHandler implements HttpHandler {
    /** Subprotocol with one envelope per frame (the default). */
    public static final String SUBPROTOCOL_V1 = "roomcast.v1";
    /** Subprotocol whose server frames may carry several newline-separated envelopes. */
    public static final String SUBPROTOCOL_BATCH_V1 = "roomcast.batch.v1";
    /** Header carrying a room password at the upgrade (never the query string: URLs are logged). */
    public static final String ROOM_PASSWORD_HEADER = "X-Roomcast-Room-Password";

    private static final Set<String> SUBPROTOCOLS = Set.of(SUBPROTOCOL_V1, SUBPROTOCOL_BATCH_V1);
    /** When the upgrade started and the trace headers it came with, for the listeners' {@link UpgradeRecord}. */
    private static final AttachmentKey<UpgradeGate.Attempt> ATTEMPT = AttachmentKey.create(UpgradeGate.Attempt.class);

    private final ConnectionServices services;
    private final UpgradeGate gate;
    private final Executor blocking;
    /** Undertow's handshake, whose channels add the frame checks Undertow leaves out ({@link StrictWebSocketChannel}). */
    private final Hybi13Handshake handshake = StrictWebSocketChannel.handshake(SUBPROTOCOLS);

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
        // 1. method
        if (!exchange.getRequestMethod().equals(Methods.GET)) {
            reject(exchange, ErrorCode.METHOD_NOT_ALLOWED, "method " + exchange.getRequestMethod(), Map.of("Allow", "GET"));
            return;
        }
        // 2. upgrade headers (case-insensitive tokens in comma lists)
        if (!hasToken(exchange.getRequestHeaders().get(Headers.UPGRADE), "websocket")
                || !hasToken(exchange.getRequestHeaders().get(Headers.CONNECTION), "upgrade")) {
            reject(exchange, ErrorCode.BAD_UPGRADE, "missing Upgrade/Connection headers", Map.of());
            return;
        }
        // 3. version: only 13; the answer names it (RFC 6455 §4.4)
        if (!"13".equals(trimmed(exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_VERSION)))) {
            reject(exchange, ErrorCode.BAD_VERSION, "unsupported version", Map.of("Sec-WebSocket-Version", "13"));
            return;
        }
        // 4. key: base64 of exactly 16 bytes
        if (!isValidKey(exchange.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_KEY))) {
            reject(exchange, ErrorCode.BAD_KEY, "bad key", Map.of());
            return;
        }
        // 5. subprotocol: none offered = roomcast.v1; only unknown ones = refused
        List<String> offered = commaList(exchange.getRequestHeaders().get(Headers.SEC_WEB_SOCKET_PROTOCOL));
        String chosen = SUBPROTOCOL_V1;
        if (!offered.isEmpty()) {
            chosen = firstKnownSubprotocol(offered);
            if (chosen == null) {
                reject(exchange, ErrorCode.BAD_SUBPROTOCOL, "only unknown subprotocols offered", Map.of());
                return;
            }
        }
        // 6. origin, 7. room names, 8a. token presence (verification happens off the I/O thread)
        List<String> rooms = roomsRequested(exchange);
        Optional<String> token = HttpExchanges.bearerCredential(exchange);
        if (token.isEmpty() && services.config().queryTokenEnabled()) {
            token = firstQuery(exchange, "access_token");
        }
        Optional<UpgradeGate.Refusal> refused = gate.precheck(
                Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.ORIGIN)), rooms, token);
        if (refused.isPresent()) {
            reject(exchange, refused.get(), Map.of());
            return;
        }
        boolean batching = SUBPROTOCOL_BATCH_V1.equals(chosen);
        UpgradeGate.Request request = new UpgradeGate.Request(HttpExchanges.clientAddress(exchange), rooms, token,
                Optional.ofNullable(exchange.getRequestHeaders().getFirst(ROOM_PASSWORD_HEADER)));
        if (gate.mayBlock(token, rooms)) {
            exchange.dispatch(blocking, () -> authorizeAndUpgrade(exchange, request, batching));
        } else {
            authorizeAndUpgrade(exchange, request, batching); // quick checks only: stay on the I/O thread
        }
    }

    /**
     * The second half: verify the token, authorize rooms, reserve capacity, then answer 101. Runs on a
     * virtual thread, or on the I/O thread when {@link UpgradeGate#mayBlock} says none of it can block.
     */
    private void authorizeAndUpgrade(HttpServerExchange exchange, UpgradeGate.Request request, boolean batching) {
        // 8b. token, 9. rooms, 9b. inbound rate, 10. capacity: the slot and the rooms are reserved before the 101
        Connection connection;
        switch (gate.admit(request, (id, identity, inboundRate) -> new Connection(id, identity, request.clientAddress(),
                batching, services, exchange.getIoThread(), inboundRate))) {
            case UpgradeGate.Admission.Admitted<Connection> admitted -> connection = admitted.peer();
            case UpgradeGate.Admission.Refused<Connection> refused -> {
                reject(exchange, refused.refusal(), Map.of());
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

    private void reject(HttpServerExchange exchange, ErrorCode code, String detail, Map<String, String> headers) {
        reject(exchange, new UpgradeGate.Refusal(code, detail, Optional.empty()), headers);
    }

    /** Refuses the upgrade; a token refusal's {@code authFailure} is a short fixed word, never the token. */
    private void reject(HttpServerExchange exchange, UpgradeGate.Refusal refusal, Map<String, String> headers) {
        gate.reportRefused(refusal, HttpExchanges.clientAddress(exchange), Optional.ofNullable(exchange.getAttachment(ATTEMPT)));
        HttpExchanges.reject(exchange, refusal.code(), headers);
    }

    // Plain loops rather than streams on the upgrade path: a stream pipeline per header allocates,
    // and its call sites see several list classes, so the compiled upgrade path kept being
    // deoptimised and recompiled long after warm-up (finding 16 on the Benchmarks page).
    private static boolean hasToken(HeaderValues values, String expected) {
        for (String v : commaList(values)) {
            if (v.equalsIgnoreCase(expected)) {
                return true;
            }
        }
        return false;
    }

    /** The client's first offered subprotocol that we speak, or null. */
    private static String firstKnownSubprotocol(List<String> offered) {
        for (String p : offered) {
            if (SUBPROTOCOLS.contains(p)) {
                return p;
            }
        }
        return null;
    }

    private static List<String> commaList(HeaderValues values) {
        if (values == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String value : values) {
            for (String part : value.split(",")) {
                String t = part.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static String trimmed(String s) {
        return s == null ? null : s.trim();
    }

    private static boolean isValidKey(String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code ?room=} values, repeatable and comma-separated, duplicates removed in order. */
    private static List<String> roomsRequested(HttpServerExchange exchange) {
        Deque<String> values = exchange.getQueryParameters().get("room");
        if (values == null) {
            return List.of();
        }
        Set<String> rooms = new LinkedHashSet<>();
        for (String value : values) {
            for (String part : value.split(",", -1)) {
                rooms.add(part.trim());
            }
        }
        return List.copyOf(rooms);
    }

    private static Optional<String> firstQuery(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() || values.peekFirst().isBlank()
                ? Optional.empty() : Optional.of(values.peekFirst());
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
