package dev.roomcast.examples.jakarta;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The example's servlet application on 127.0.0.1 port 0 for one test, signing with a known secret,
 * built by the example's own Dagger component; connects real JDK clients. Close it in {@code @AfterEach}.
 */
final class JakartaTestApp implements AutoCloseable {
    static final byte[] SECRET = "jakarta-example-test-secret-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final String ALLOWED_ORIGIN = "https://chat.example";

    private final ServletApp app;
    private final TokenMinter minter = new TokenMinter(SECRET);
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<TestClient> clients = Collections.synchronizedList(new ArrayList<>());

    private JakartaTestApp(ServletApp app) {
        this.app = app;
    }

    /** The example's configuration for tests (the secret, an allowed origin), then {@code adjust}. */
    static RoomcastConfig.Builder config() {
        return RoomcastConfig.builder().host("127.0.0.1").port(0).tokenSecret(SECRET).queryTokenEnabled(true)
                .allowedOrigins(Set.of(ALLOWED_ORIGIN)).shutdownTimeout(Duration.ofSeconds(2));
    }

    static JakartaTestApp start() {
        return start(b -> b);
    }

    static JakartaTestApp start(UnaryOperator<RoomcastConfig.Builder> adjust) {
        RoomcastConfig config = adjust.apply(config()).build();
        return new JakartaTestApp(ServletApp.start("127.0.0.1", 0,
                origin -> JakartaChatComponent.create(config).roomcast(),
                Optional.of(new TokenServlet(new TokenMinter(SECRET)))));
    }

    ServletApp app() {
        return app;
    }

    int port() {
        return app.port();
    }

    String token(String subject, String... roles) {
        return minter.mint(subject, Optional.of(subject), Set.of(roles), Duration.ofMinutes(5));
    }

    Map<String, String> bearer(String subject, String... roles) {
        return Map.of("Authorization", "Bearer " + token(subject, roles));
    }

    URI uri(String query) {
        return URI.create(app.webSocketUri() + query);
    }

    TestClient connect(String subject, String query, String... subprotocols) {
        TestClient c = TestClient.connect(http, uri(query), bearer(subject), subprotocols);
        clients.add(c);
        return c;
    }

    HttpClient http() {
        return http;
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(TestClient::close);
        }
        app.close();
    }
}
