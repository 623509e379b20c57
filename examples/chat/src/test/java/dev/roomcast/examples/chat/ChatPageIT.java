package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chat page's HTTP side with the JDK clients: the static page and the browser client from the jar,
 * the development token endpoint (only without {@code ROOMCAST_TOKEN_SECRET}), the query token (on in
 * development, off with a real secret unless {@code ROOMCAST_QUERY_TOKEN}) and the page's own origin.
 */
@Timeout(60)
class ChatPageIT {
    private static final String SECRET = "chat-test-secret-that-is-at-least-32-bytes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private RoomcastServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        http.close();
    }

    private RoomcastServer start(Map<String, String> env) throws IOException {
        Map<String, String> all = new HashMap<>(Map.of("ROOMCAST_PORT", String.valueOf(freePort())));
        all.putAll(env);
        server = ChatServer.start(new ConfigSources(all, Map.of()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int refusedStatus(Runnable connect) {
        try {
            connect.run();
        } catch (CompletionException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof WebSocketHandshakeException refused) {
                    return refused.getResponse().statusCode();
                }
            }
            throw e;
        }
        throw new AssertionError("expected the upgrade to be refused, but it was accepted");
    }

    @Test
    void theRootServesThePageAndTheBrowserClientIsTheOneFromClientsBrowser() throws Exception {
        start(Map.of());
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/chat.js\">");
        assertThat(get("/chat.js").body()).contains("from '/roomcast-client.js'");

        HttpResponse<String> client = get("/roomcast-client.js");
        assertThat(client.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        Path source = Path.of("..", "..", "clients", "browser", "roomcast-client.js");
        assertThat(client.body()).isEqualTo(Files.readString(source));
    }

    @Test
    void inDevelopmentModeDevTokenMintsATokenThatConnectsAsAQueryTokenFromThePageOrigin() throws Exception {
        start(Map.of());
        HttpResponse<String> minted = post(ChatPage.DEV_TOKEN_PATH, "{\"name\":\"alice\"}");
        assertThat(minted.statusCode()).isEqualTo(200);
        assertThat(minted.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode body = JSON.readTree(minted.body());
        assertThat(body.path("subject").asText()).isEqualTo("alice");

        String origin = "http://127.0.0.1:" + server.httpUri().getPort();
        TestClient alice = TestClient.connect(http, URI.create(server.webSocketUri() + "?room=lobby&access_token="
                + body.path("token").asText()), Map.of("Origin", origin));
        JsonNode joined = alice.awaitType("joined");
        assertThat(joined.path("payload").path("members").findValuesAsText("subject")).containsExactly("alice");
        alice.close();

        assertThat(refusedStatus(() -> TestClient.connect(http, URI.create(server.webSocketUri() + "?access_token="
                + body.path("token").asText()), Map.of("Origin", "http://evil.example")))).isEqualTo(403);
    }

    @Test
    void devTokenRefusesANameOutsideTheAllowedCharacters() throws Exception {
        start(Map.of());
        HttpResponse<String> refused = post(ChatPage.DEV_TOKEN_PATH, "{\"name\":\"Alice Smith\"}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("INVALID_PAYLOAD");
        assertThat(post(ChatPage.DEV_TOKEN_PATH, "{}").statusCode()).isEqualTo(400);
    }

    @Test
    void withARealSecretThereIsNoDevTokenEndpointAndNoQueryToken() throws Exception {
        start(Map.of("ROOMCAST_TOKEN_SECRET", SECRET));
        assertThat(post(ChatPage.DEV_TOKEN_PATH, "{\"name\":\"alice\"}").statusCode()).isEqualTo(404);
        String token = new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint("alice", Optional.empty(), Set.of(), Duration.ofMinutes(5));
        assertThat(refusedStatus(() -> TestClient.connect(http,
                URI.create(server.webSocketUri() + "?access_token=" + token), Map.of()))).isEqualTo(401);
        assertThat(get("/").statusCode()).isEqualTo(200); // the page still works with a pasted token
    }

    @Test
    void roomcastQueryTokenTurnsTheQueryTokenOnWithARealSecret() throws Exception {
        start(Map.of("ROOMCAST_TOKEN_SECRET", SECRET, "ROOMCAST_QUERY_TOKEN", "true"));
        String token = new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint("alice", Optional.empty(), Set.of(), Duration.ofMinutes(5));
        TestClient alice = TestClient.connect(http, URI.create(server.webSocketUri() + "?room=lobby&access_token=" + token),
                Map.of());
        assertThat(alice.awaitType("joined").path("room").asText()).isEqualTo("lobby");
        alice.close();
    }
}
