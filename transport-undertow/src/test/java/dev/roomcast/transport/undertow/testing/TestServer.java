package dev.roomcast.transport.undertow.testing;

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
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a real {@link RoomcastServer} on 127.0.0.1 port 0 for one test, with {@link FakeTokens},
 * and connects real clients to it. Close it in {@code @AfterEach}.
 */
public final class TestServer implements AutoCloseable {
    private final RoomcastServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Clients connected through this server, closed with it; tests may connect from several threads. */
    private final List<TestClient> clients = java.util.Collections.synchronizedList(new ArrayList<>());

    private TestServer(RoomcastServer server) {
        this.server = server;
    }

    /** A builder starting from defaults suited to tests (port 0, loopback). */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server with the given config (port forced to 0) and nothing else special. */
    public static TestServer start(RoomcastConfig config) {
        return builder().config(config).start();
    }

    public RoomcastServer server() {
        return server;
    }

    public Hub hub() {
        return server.hub();
    }

    public int port() {
        return server.port();
    }

    /** {@code ws://127.0.0.1:port/ws} plus {@code query} (e.g. {@code "?room=lobby"}). */
    public URI uri(String query) {
        return URI.create(server.webSocketUri() + query);
    }

    /** Connects a JDK client as {@code subject}, joining the rooms in {@code query}. */
    public TestClient connect(String subject, String query, String... subprotocols) {
        TestClient c = TestClient.connect(http, uri(query), FakeTokens.bearer(subject), subprotocols);
        clients.add(c);
        return c;
    }

    /** Connects with explicit headers. */
    public TestClient connect(Map<String, String> headers, String query, String... subprotocols) {
        TestClient c = TestClient.connect(http, uri(query), headers, subprotocols);
        clients.add(c);
        return c;
    }

    /**
     * Connects {@code count} JDK clients, {@code parallel} handshakes at a time (all on the shared
     * HttpClient); client {@code i} is {@code subject.apply(i)} and asks for {@code query.apply(i)}.
     * Returns them in index order; fails if any handshake takes longer than 5 s.
     */
    public List<TestClient> connectMany(int count, int parallel, java.util.function.IntFunction<String> subject,
                                        java.util.function.IntFunction<String> query) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel);
        try {
            List<java.util.concurrent.Future<TestClient>> pending = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int index = i;
                pending.add(pool.submit(() -> connect(subject.apply(index), query.apply(index))));
            }
            List<TestClient> connected = new ArrayList<>(count);
            for (java.util.concurrent.Future<TestClient> f : pending) {
                connected.add(f.get(5, java.util.concurrent.TimeUnit.SECONDS)); // each handshake is itself bounded by 5 s
            }
            return connected;
        } finally {
            pool.shutdownNow();
        }
    }

    public HttpClient http() {
        return http;
    }

    @Override
    public void close() {
        synchronized (clients) {
            for (TestClient c : clients) {
                c.socket().abort();
            }
        }
        server.stop();
        http.close();
    }

    /** Collects what the server is built with. */
    public static final class Builder {
        private RoomcastConfig config = RoomcastConfig.defaults();
        private EventRouter router = EventRouter.empty();
        private RoomAuthorizer rooms = RoomAuthorizer.allowAll();
        private Optional<BroadcastAuthorizer> admin = Optional.empty();
        private final List<ConnectionListener> listeners = new ArrayList<>();
        private final List<HttpRoute> routes = new ArrayList<>();
        private boolean withTokens = true;
        private TokenAuthenticator tokens = new FakeTokens();
        /** Null: the config's rate for everyone, as the server's shorter constructor gives. */
        private InboundRatePolicy inboundRates;

        public Builder config(RoomcastConfig value) {
            this.config = value;
            return this;
        }

        public Builder router(EventRouter value) {
            this.router = value;
            return this;
        }

        public Builder roomAuthorizer(RoomAuthorizer value) {
            this.rooms = value;
            return this;
        }

        public Builder broadcastAuthorizer(BroadcastAuthorizer value) {
            this.admin = Optional.of(value);
            return this;
        }

        public Builder listener(ConnectionListener value) {
            listeners.add(value);
            return this;
        }

        public Builder route(HttpRoute value) {
            routes.add(value);
            return this;
        }

        public Builder tokenAuthenticator(TokenAuthenticator value) {
            this.tokens = value;
            return this;
        }

        public Builder inboundRates(InboundRatePolicy value) {
            this.inboundRates = value;
            return this;
        }

        public Builder withoutTokenAuthenticator() {
            this.withTokens = false;
            return this;
        }

        public TestServer start() {
            RoomcastConfig c = config.toBuilder().host("127.0.0.1").port(0).build();
            EnvelopeCodec codec = EnvelopeCodec.of(c);
            Hub hub = Hub.create(c, codec, Clock.system());
            RoomcastServer server = new RoomcastServer(c, hub, codec, router,
                    withTokens ? Optional.of(tokens) : Optional.empty(),
                    inboundRates != null ? inboundRates : InboundRatePolicy.uniform(c), rooms, admin, listeners, routes,
                    Clock.system());
            return new TestServer(server.start());
        }
    }
}
