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
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;

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
 * or, for a service whose own start reads its settings (environment, files) and returns the running
 * server, started exactly the way its {@code main} does with {@link #startService(IntFunction)}:
 *
 * <pre>{@code
 * RoomcastTestServer server = RoomcastTestServer.startService(port -> ChatServer.start(env(port), out));
 * }</pre>
 *
 * ({@link #startService(IntFunction, Function, Consumer)} for a service that runs more than its server,
 * such as a feed), or wired by hand with {@link #builder()} (a router, a room authorizer,
 * {@link TestTokens} by default).
 * The host and port of the given config are always replaced by 127.0.0.1 and 0. {@link #close()}
 * closes every client it connected, then stops the server; call it in {@code @AfterEach}.
 *
 * <p>States: running → {@link #restart()} (stopped, then a new server from the same factory on the
 * same port, so clients can reconnect to it) → running ... → {@link #close()} → closed.
 */
public final class RoomcastTestServer implements AutoCloseable {
    /** Starts the service on the given port: 0 the first time, the same port again after a stop. */
    private final IntFunction<Running> startOnPort;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}: the running service (replaced by {@link #restart()}). */
    private Running running;
    /** Guarded by {@link #lock}: clients connected through {@link #connect}, closed with the server. */
    private final List<RecordingClient> clients = new ArrayList<>();

    /** What one start returned: the application object, its server, and how to stop both. */
    private record Running(Object application, RoomcastServer server, Runnable stop) {
    }

    private RoomcastTestServer(IntFunction<Running> startOnPort) {
        this.startOnPort = startOnPort;
        this.running = startOnPort.apply(0);
    }

    /**
     * Starts the server {@code factory} builds from {@code config} with host 127.0.0.1 and port 0,
     * e.g. {@code c -> MyComponent.create(c).server()}. The factory returns the server not yet started.
     */
    public static RoomcastTestServer start(RoomcastConfig config, Function<RoomcastConfig, RoomcastServer> factory) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(factory, "factory");
        return new RoomcastTestServer(port -> {
            RoomcastServer s = factory.apply(loopback(config, port)).start();
            return new Running(s, s, s::stop);
        });
    }

    /**
     * Starts a service the way its {@code main} does: {@code startOnPort} is given the port to listen on
     * (0 the first time, so a free one is picked; the same port again for {@link #restart()} and
     * {@link #startAgain()}) and returns the server running on 127.0.0.1. Use it when the service's own
     * start reads settings a test wants to cover too, such as its environment. Throws what the function
     * throws, such as the service's configuration errors, and IllegalStateException if the server it returns
     * was not started.
     */
    public static RoomcastTestServer startService(IntFunction<RoomcastServer> startOnPort) {
        Objects.requireNonNull(startOnPort, "startOnPort");
        return startService(startOnPort, s -> s, RoomcastServer::stop);
    }

    /**
     * Like {@link #startService(IntFunction)}, for a service whose start returns an object of its own
     * that runs more than the server (a feed, a scheduler):
     * {@code startService(port -> Dashboard.start(env(port), out), Dashboard::server, Dashboard::stop)}.
     * {@code stop} must stop everything, the server included, and may run more than once; it runs on {@link #restart()},
     * {@link #stop()} and {@link #close()}. {@link #service(Class)} returns the running object.
     */
    public static <S> RoomcastTestServer startService(IntFunction<S> startOnPort, Function<S, RoomcastServer> serverOf,
                                                      Consumer<S> stop) {
        Objects.requireNonNull(startOnPort, "startOnPort");
        Objects.requireNonNull(serverOf, "serverOf");
        Objects.requireNonNull(stop, "stop");
        return new RoomcastTestServer(port -> {
            S application = Objects.requireNonNull(startOnPort.apply(port), "the start function returned nothing");
            RoomcastServer s = Objects.requireNonNull(serverOf.apply(application), "the service has no server");
            try {
                s.port(); // throws IllegalStateException for a server that was built but not started
            } catch (IllegalStateException e) {
                stop.accept(application);
                throw e;
            }
            return new Running(application, s, () -> stop.accept(application));
        });
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
            return running.server();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The object the start function of {@link #startService(IntFunction, Function, Consumer)} returned
     * last (a new one after each restart), or the server for the other starts; fails unless it is a {@code type}.
     */
    public <S> S service(Class<S> type) {
        lock.lock();
        try {
            return type.cast(running.application());
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
            int port = running.server().port();
            running.stop().run();
            running = startOnPort.apply(port);
            return running.server();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the server now, leaving it stopped (so clients see it gone) until {@link #startAgain()}. */
    public void stop() {
        lock.lock();
        try {
            running.stop().run();
        } finally {
            lock.unlock();
        }
    }

    /** Starts a new server from the same factory on the port of the stopped one. */
    public RoomcastServer startAgain() {
        lock.lock();
        try {
            int port = running.server().port();
            running = startOnPort.apply(port);
            return running.server();
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
        stop();
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
