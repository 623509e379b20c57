package dev.roomcast.testkit;

import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A real {@link RoomcastServer} in process on 127.0.0.1 and a free port, for one test, built the way
 * the service builds itself, plus {@link RecordingClient}s connected to it. With Dagger:
 *
 * <pre>{@code
 * RoomcastTestServer server = RoomcastTestServer.start(config,
 *         c -> ChatServerComponent.create(c, settings).server());
 * RecordingClient alice = server.connect(aliceToken);
 * }</pre>
 *
 * or wired by hand with {@link #builder()} (a router, a room authorizer, {@link TestTokens} by default).
 * The host and port of the given config are always replaced by 127.0.0.1 and 0. {@link #close()}
 * closes every client it connected, then stops the server; call it in {@code @AfterEach}.
 *
 * <p>States: running → {@link #restart()} (stopped, then a new server from the same factory on the
 * same port, so clients can reconnect to it) → running ... → {@link #close()} → closed.
 */
public final class RoomcastTestServer implements AutoCloseable {
    private final Function<RoomcastConfig, RoomcastServer> factory;
    private final RoomcastConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}: the running server (replaced by {@link #restart()}). */
    private RoomcastServer server;
    /** Guarded by {@link #lock}: clients connected through {@link #connect}, closed with the server. */
    private final List<RecordingClient> clients = new ArrayList<>();

    private RoomcastTestServer(RoomcastConfig config, Function<RoomcastConfig, RoomcastServer> factory) {
        this.config = config;
        this.factory = factory;
        this.server = factory.apply(config).start();
    }

    /**
     * Starts the server {@code factory} builds from {@code config} with host 127.0.0.1 and port 0,
     * e.g. {@code c -> MyComponent.create(c).server()}. The factory returns the server not yet started.
     */
    public static RoomcastTestServer start(RoomcastConfig config, Function<RoomcastConfig, RoomcastServer> factory) {
        Objects.requireNonNull(factory, "factory");
        return new RoomcastTestServer(loopback(config, 0), factory);
    }

    /** A builder for a server wired by hand, starting from {@link RoomcastConfig#defaults()} and {@link TestTokens}. */
    public static Builder builder() {
        return new Builder();
    }

    private static RoomcastConfig loopback(RoomcastConfig config, int port) {
        return Objects.requireNonNull(config, "config").toBuilder().host("127.0.0.1").port(port).build();
    }

    /** The running server. */
    public RoomcastServer server() {
        lock.lock();
        try {
            return server;
        } finally {
            lock.unlock();
        }
    }

    /** The running server's hub. */
    public Hub hub() {
        return server().hub();
    }

    /** The bound port; the same after {@link #restart()}. */
    public int port() {
        return server().port();
    }

    /** {@code ws://127.0.0.1:port/ws}. */
    public URI uri() {
        return server().webSocketUri();
    }

    /** {@code http://127.0.0.1:port}, for the server's HTTP routes. */
    public URI httpUri() {
        return server().httpUri();
    }

    /** Connects a recording client with {@code token} and waits (up to 5 s) until it is open. */
    public RecordingClient connect(String token) {
        return connect(RecordingClient.builder(uri()).token(token));
    }

    /** Connects a recording client built from {@code builder} and waits (up to 5 s) until it is open. */
    public RecordingClient connect(RecordingClient.Builder builder) {
        RecordingClient client = builder.connect();
        lock.lock();
        try {
            clients.add(client);
        } finally {
            lock.unlock();
        }
        return client;
    }

    /**
     * Stops the server now (every connection closed with 1001) and starts a new one from the same
     * factory on the same port. Clients of a {@link dev.roomcast.client.RoomcastClient} reconnect to it.
     */
    public RoomcastServer restart() {
        lock.lock();
        try {
            int port = server.port();
            server.stop();
            server = factory.apply(loopback(config, port)).start();
            return server;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the server now, leaving it stopped (so clients see it gone) until {@link #startAgain()}. */
    public void stop() {
        server().stop();
    }

    /** Starts a new server from the same factory on the port of the stopped one. */
    public RoomcastServer startAgain() {
        lock.lock();
        try {
            int port = server.port();
            server = factory.apply(loopback(config, port)).start();
            return server;
        } finally {
            lock.unlock();
        }
    }

    /** Closes every client connected through {@link #connect}, then stops the server. Idempotent. */
    @Override
    public void close() {
        List<RecordingClient> connected;
        lock.lock();
        try {
            connected = List.copyOf(clients);
            clients.clear();
        } finally {
            lock.unlock();
        }
        connected.forEach(RecordingClient::close);
        server().stop();
    }

    /** Collects the parts of a server wired by hand. Not thread-safe. */
    public static final class Builder {
        private RoomcastConfig config = RoomcastConfig.defaults();
        private EventRouter router = EventRouter.empty();
        private RoomAuthorizer rooms = RoomAuthorizer.allowAll();
        private TokenAuthenticator tokens = new TestTokens();
        private Optional<BroadcastAuthorizer> admin = Optional.empty();
        private InboundRatePolicy inboundRates;
        private final List<ConnectionListener> listeners = new ArrayList<>();
        private final List<HttpRoute> routes = new ArrayList<>();

        private Builder() {
        }

        /** The configuration (host and port are replaced). Default: {@link RoomcastConfig#defaults()}. */
        public Builder config(RoomcastConfig value) {
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        /** The application's events. Default: none. */
        public Builder router(EventRouter value) {
            this.router = Objects.requireNonNull(value, "router");
            return this;
        }

        /** Who may enter which room. Default: {@link RoomAuthorizer#allowAll()}. */
        public Builder roomAuthorizer(RoomAuthorizer value) {
            this.rooms = Objects.requireNonNull(value, "roomAuthorizer");
            return this;
        }

        /** Verifies tokens. Default: {@link TestTokens}. */
        public Builder tokenAuthenticator(TokenAuthenticator value) {
            this.tokens = Objects.requireNonNull(value, "tokenAuthenticator");
            return this;
        }

        /** Authorizes the admin broadcast endpoint (needs {@code adminBroadcastEnabled}). Default: none. */
        public Builder broadcastAuthorizer(BroadcastAuthorizer value) {
            this.admin = Optional.of(value);
            return this;
        }

        /** The inbound rate of each connection. Default: the config's rate for everyone. */
        public Builder inboundRates(InboundRatePolicy value) {
            this.inboundRates = Objects.requireNonNull(value, "inboundRates");
            return this;
        }

        /** Adds a connection listener. */
        public Builder listener(ConnectionListener value) {
            listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /** Adds a plain HTTP route. */
        public Builder route(HttpRoute value) {
            routes.add(Objects.requireNonNull(value, "route"));
            return this;
        }

        /** Starts the server. */
        public RoomcastTestServer start() {
            List<ConnectionListener> ls = List.copyOf(listeners);
            List<HttpRoute> rs = List.copyOf(routes);
            EventRouter r = router;
            RoomAuthorizer ra = rooms;
            TokenAuthenticator t = tokens;
            Optional<BroadcastAuthorizer> a = admin;
            InboundRatePolicy ir = inboundRates;
            return RoomcastTestServer.start(config, c -> {
                EnvelopeCodec codec = EnvelopeCodec.of(c);
                Hub hub = Hub.create(c, codec, Clock.system());
                return new RoomcastServer(c, hub, codec, r, Optional.of(t), ir != null ? ir : InboundRatePolicy.uniform(c),
                        ra, a, ls, rs, Clock.system());
            });
        }
    }
}
