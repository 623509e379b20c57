package dev.roomcast.transport.undertow;

import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.internal.AdminBroadcastHandler;
import dev.roomcast.transport.undertow.internal.ConnectionServices;
import dev.roomcast.transport.undertow.internal.HttpExchanges;
import dev.roomcast.transport.undertow.internal.IoThreadWriters;
import dev.roomcast.transport.undertow.internal.RouteHandler;
import dev.roomcast.transport.undertow.internal.UpgradeGate;
import dev.roomcast.transport.undertow.internal.UpgradeHandler;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.random.RandomGenerator;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Roomcast HTTP and WebSocket server on Undertow: accepts upgrades at {@code config.path()}
 * through the upgrade pipeline, mounts the admin broadcast endpoint when enabled and the plain
 * {@link HttpRoute}s of other modules, and coordinates shutdown with the {@link Hub}.
 *
 * <p>States: <em>new</em> → {@link #start()} → <em>running</em> → {@link #shutdown(Duration)} or
 * {@link #stop()} → <em>stopped</em>. Stopping is idempotent; a stopped server cannot restart.
 */
public final class RoomcastServer {
    private static final Logger log = LoggerFactory.getLogger(RoomcastServer.class);
    /** Path of the admin broadcast endpoint. */
    public static final String ADMIN_BROADCAST_PATH = "/_admin/broadcast";

    private final RoomcastConfig config;
    private final Hub hub;
    private final EnvelopeCodec codec;
    private final EventRouter router;
    private final Optional<TokenAuthenticator> tokens;
    private final InboundRatePolicy inboundRates;
    private final RoomAuthorizer roomAuthorizer;
    private final Optional<BroadcastAuthorizer> broadcastAuthorizer;
    private final List<ConnectionListener> listeners;
    private final List<HttpRoute> routes;
    private final Clock clock;

    private final ReentrantLock lifecycle = new ReentrantLock();
    /** Guarded by {@link #lifecycle}. */
    private Undertow undertow;
    /** Guarded by {@link #lifecycle}. */
    private ExecutorService blocking;
    /** Guarded by {@link #lifecycle}. */
    private boolean stopped;
    private volatile int boundPort = -1;

    /**
     * Creates a server whose every connection may send at the configured inbound rate
     * ({@link InboundRatePolicy#uniform(RoomcastConfig)}); nothing is bound until {@link #start()}.
     *
     * @param tokens              verifies bearer tokens; may be empty only when {@code allowUnauthenticated} is on
     * @param roomAuthorizer      decides room entry at the upgrade and on {@code join}
     * @param broadcastAuthorizer authorizes the admin endpoint; required when {@code adminBroadcastEnabled}
     * @param listeners           connection telemetry
     * @param routes              extra plain HTTP routes (e.g. {@code /metrics}, {@code /health})
     */
    public RoomcastServer(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                          Optional<TokenAuthenticator> tokens, RoomAuthorizer roomAuthorizer,
                          Optional<BroadcastAuthorizer> broadcastAuthorizer, Collection<ConnectionListener> listeners,
                          Collection<HttpRoute> routes, Clock clock) {
        this(config, hub, codec, router, tokens, InboundRatePolicy.uniform(config), roomAuthorizer, broadcastAuthorizer,
                listeners, routes, clock);
    }

    /**
     * Creates a server; nothing is bound until {@link #start()}.
     *
     * @param tokens              verifies bearer tokens; may be empty only when {@code allowUnauthenticated} is on
     * @param inboundRates        the inbound message rate of each connection, asked once at its upgrade
     * @param roomAuthorizer      decides room entry at the upgrade and on {@code join}
     * @param broadcastAuthorizer authorizes the admin endpoint; required when {@code adminBroadcastEnabled}
     * @param listeners           connection telemetry
     * @param routes              extra plain HTTP routes (e.g. {@code /metrics}, {@code /health})
     */
    public RoomcastServer(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                          Optional<TokenAuthenticator> tokens, InboundRatePolicy inboundRates, RoomAuthorizer roomAuthorizer,
                          Optional<BroadcastAuthorizer> broadcastAuthorizer, Collection<ConnectionListener> listeners,
                          Collection<HttpRoute> routes, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.router = Objects.requireNonNull(router, "router");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.inboundRates = Objects.requireNonNull(inboundRates, "inboundRates");
        this.roomAuthorizer = Objects.requireNonNull(roomAuthorizer, "roomAuthorizer");
        this.broadcastAuthorizer = Objects.requireNonNull(broadcastAuthorizer, "broadcastAuthorizer");
        this.listeners = List.copyOf(listeners);
        this.routes = List.copyOf(routes);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tokens.isEmpty() && !config.allowUnauthenticated()) {
            throw new IllegalStateException("tokens: expected a TokenAuthenticator because allowUnauthenticated is off");
        }
        if (config.adminBroadcastEnabled() && broadcastAuthorizer.isEmpty()) {
            throw new IllegalStateException("broadcastAuthorizer: expected one because adminBroadcastEnabled is on");
        }
    }

    /** Binds and starts serving. Returns once the port is bound. */
    public RoomcastServer start() {
        lifecycle.lock();
        try {
            if (undertow != null || stopped) {
                throw new IllegalStateException("start: expected a new server but it was already started");
            }
            blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("roomcast-blocking-", 0).factory());
            Undertow server = Undertow.builder()
                    .addHttpListener(config.port(), config.host())
                    .setHandler(rootHandler(blocking))
                    .setWorkerThreads(4)
                    // URLs are decoded by rootHandler and the handlers (HttpExchanges, UpgradeRequestParser),
                    // so that a malformed escape gets the JSON 400 of the contract, not Undertow's empty one
                    .setServerOption(UndertowOptions.DECODE_URL, false)
                    .build();
            server.start();
            undertow = server;
            boundPort = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
            log.info("Roomcast listening on {}", webSocketUri());
            return this;
        } finally {
            lifecycle.unlock();
        }
    }

    private HttpHandler rootHandler(ExecutorService executor) {
        ConnectionServices services = new ConnectionServices(config, hub, codec, router, roomAuthorizer, listeners, clock,
                new IoThreadWriters());
        Map<String, HttpHandler> byPath = new HashMap<>();
        byPath.put(config.path(), new UpgradeHandler(services, tokens, inboundRates, executor, UpgradeGate.randomIdPrefix()));
        if (config.adminBroadcastEnabled()) {
            byPath.put(ADMIN_BROADCAST_PATH, HttpExchanges.decodingQuery(new AdminBroadcastHandler(hub, codec,
                    broadcastAuthorizer.orElseThrow(), config.maxMessageBytes(), executor)));
        }
        for (HttpRoute route : routes) {
            if (byPath.putIfAbsent(route.path(),
                    HttpExchanges.decodingQuery(new RouteHandler(route, config.maxMessageBytes(), executor))) != null) {
                throw new IllegalStateException("route " + route.path() + ": expected each path once but it is taken");
            }
        }
        Map<String, HttpHandler> table = Map.copyOf(byPath);
        return exchange -> {
            // the path decodes here, for the table; each handler decodes its query (the upgrade's parser itself)
            if (!HttpExchanges.decodePath(exchange)) {
                HttpExchanges.reject(exchange, ErrorCode.BAD_REQUEST, Map.of());
                return;
            }
            HttpHandler handler = table.get(exchange.getRequestPath());
            if (handler == null) {
                HttpExchanges.reject(exchange, ErrorCode.NOT_FOUND, Map.of());
            } else {
                handler.handleRequest(exchange);
            }
        };
    }

    /** The bound port (useful with port 0). */
    public int port() {
        if (boundPort < 0) {
            throw new IllegalStateException("port: the server is not started");
        }
        return boundPort;
    }

    /** The WebSocket URL clients connect to, e.g. {@code ws://127.0.0.1:8080/ws}. */
    public URI webSocketUri() {
        return URI.create("ws://" + hostForUri() + ":" + port() + config.path());
    }

    /** The base HTTP URL, e.g. {@code http://127.0.0.1:8080}. */
    public URI httpUri() {
        return URI.create("http://" + hostForUri() + ":" + port());
    }

    private String hostForUri() {
        return config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    }

    /** The configuration this server runs with. */
    public RoomcastConfig config() {
        return config;
    }

    /** The hub this server feeds. */
    public Hub hub() {
        return hub;
    }

    /**
     * Graceful shutdown: new upgrades get 503 {@code SHUTTING_DOWN}; every member gets a
     * {@code shutdown} event with a {@code reconnectAfterMs} hint, then a 1001 close after its queue
     * drains, in {@code shutdownBatches} jittered batches over the first {@code shutdownSpread} of
     * {@code deadline}; at {@code deadline} whatever is left is closed; then the listener is unbound.
     * Blocks for up to {@code deadline}. Idempotent.
     */
    public Hub.ShutdownResult shutdown(Duration deadline) {
        return shutdown(deadline, RandomGenerator.of("L64X128MixRandom"));
    }

    /**
     * {@link #shutdown(Duration)} with the jitter of the batches and of the reconnect hints taken from
     * {@code jitter} (seed it for a repeatable shutdown, as tests do).
     */
    public Hub.ShutdownResult shutdown(Duration deadline, RandomGenerator jitter) {
        Hub.ShutdownResult result = hub.shutdown(deadline, jitter);
        stopUndertow();
        log.info("Roomcast stopped: {} connections notified, {} closed at the deadline", result.notified(), result.forced());
        return result;
    }

    /** Stops now: closes every connection with 1001 and unbinds. Idempotent. */
    public void stop() {
        hub.stop();
        stopUndertow();
    }

    private void stopUndertow() {
        lifecycle.lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            if (undertow != null) {
                undertow.stop();
            }
            if (blocking != null) {
                blocking.shutdownNow();
            }
        } finally {
            lifecycle.unlock();
        }
    }
}
