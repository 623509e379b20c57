package dev.roomcast.examples.chat.guides;

import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.auth.SecretBroadcastAuthorizer;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.observability.HealthRoutes;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A real {@link RoomcastServer} on 127.0.0.1 and a free port for one guide test, wired by hand the
 * way an application without Dagger would: HS256 tokens, every room open, the admin broadcast
 * endpoint, the {@code /health} and {@code /ready} routes. Clients connect with real minted tokens. Close it in {@code @AfterEach}.
 */
final class GuideServer implements AutoCloseable {
    static final byte[] TOKEN_SECRET = "guide-token-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);
    static final String ADMIN_SECRET = "guide-admin-secret-also-at-least-32-bytes";

    private final RoomcastServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final TokenMinter minter = new TokenMinter(TOKEN_SECRET);
    private final List<TestClient> clients = new ArrayList<>();

    private GuideServer(RoomcastServer server) {
        this.server = server;
    }

    /** Starts a server with {@code config} (host and port forced to 127.0.0.1:0) and {@code router}. */
    static GuideServer start(RoomcastConfig.Builder config, EventRouter router) {
        RoomcastConfig c = config.host("127.0.0.1").port(0).tokenSecret(TOKEN_SECRET)
                .adminBroadcastEnabled(true).adminBroadcastSecret(ADMIN_SECRET.getBytes(StandardCharsets.UTF_8)).build();
        EnvelopeCodec codec = EnvelopeCodec.of(c);
        Hub hub = Hub.create(c, codec, Clock.system());
        List<HttpRoute> routes = new HealthRoutes(hub).routes();
        RoomcastServer server = new RoomcastServer(c, hub, codec, router,
                Optional.of(new Hs256TokenAuthenticator(TOKEN_SECRET)), RoomAuthorizer.allowAll(),
                Optional.of(new SecretBroadcastAuthorizer(c.adminBroadcastSecret().orElseThrow(), c.tokenSecret())),
                List.of(), routes, Clock.system());
        return new GuideServer(server.start());
    }

    /** Starts a server with {@code config} and no application events. */
    static GuideServer start(RoomcastConfig.Builder config) {
        return start(config, EventRouter.empty());
    }

    RoomcastServer server() {
        return server;
    }

    Hub hub() {
        return server.hub();
    }

    int port() {
        return server.port();
    }

    HttpClient http() {
        return http;
    }

    /** The WebSocket URL plus {@code query}, e.g. {@code ?room=lobby}. */
    URI uri(String query) {
        return URI.create(server.webSocketUri() + query);
    }

    /** A token for {@code subject}, valid for five minutes. */
    String token(String subject) {
        return minter.mint(subject, Optional.empty(), Set.of(), Duration.ofMinutes(5));
    }

    /** The {@code Authorization} header for {@code subject}. */
    Map<String, String> bearer(String subject) {
        return Map.of("Authorization", "Bearer " + token(subject));
    }

    /** Connects a test client as {@code subject}; fails the test if the upgrade is refused. */
    TestClient connect(String subject, String query, String... subprotocols) {
        TestClient client = TestClient.connect(http, uri(query), bearer(subject), subprotocols);
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(c -> c.socket().abort());
        server.stop();
        http.close();
    }
}
