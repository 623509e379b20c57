package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat example built by its Dagger component, exercised with real JDK WebSocket clients and real HS256 tokens. */
@Timeout(60)
class ChatServerIT {
    private static final String SECRET = "chat-test-secret-that-is-at-least-32-bytes";
    private static final String ADMIN = "chat-admin-secret-also-at-least-32-bytes!";
    private static final String VIP_PASSWORD = "opensesame-123";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private RoomcastServer server;

    private RoomcastServer start(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("ROOMCAST_PORT", "0"));
        all.putAll(env);
        server = ChatServer.start(new ConfigSources(all, Map.of()), new PrintStream(printed, true, StandardCharsets.UTF_8));
        return server;
    }

    private RoomcastServer startConfigured() {
        return start(Map.of("ROOMCAST_TOKEN_SECRET", SECRET, "ROOMCAST_ADMIN_SECRET", ADMIN,
                "ROOMCAST_VIP_PASSWORD", VIP_PASSWORD));
    }

    private static String token(String subject) {
        return new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint(subject, Optional.of(subject), Set.of(), Duration.ofMinutes(5));
    }

    private TestClient connect(String token, String query, Map<String, String> extra) {
        Map<String, String> headers = new HashMap<>(extra);
        headers.put("Authorization", "Bearer " + token);
        return TestClient.connect(http, URI.create(server.webSocketUri() + query), headers);
    }

    /** The HTTP status of a refused upgrade, found in the JDK client's exception chain. */
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

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        http.close();
    }

    @Test
    void twoClientsInTheLobbyExchangeMessagesSignedByTheirIdentity() {
        startConfigured();
        TestClient alice = connect(token("alice"), "?room=lobby", Map.of());
        alice.awaitType("joined");
        TestClient bob = connect(token("bob"), "", Map.of());
        bob.sendJson(Map.of("type", "join", "room", "lobby", "id", "1"));
        assertThat(bob.awaitType("joined").path("payload").path("members").findValuesAsText("subject"))
                .containsExactly("alice", "bob");
        assertThat(alice.awaitType("presence").path("payload").path("member").path("subject").asText()).isEqualTo("bob");

        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "hi bob")));

        JsonNode message = bob.awaitType("message");
        assertThat(message.path("from").asText()).isEqualTo("alice");
        assertThat(message.path("payload").path("text").asText()).isEqualTo("hi bob");
        bob.close();
        alice.close();
    }

    @Test
    void malformedJsonIsAnsweredWithAnErrorAndTheConnectionKeepsWorking() {
        startConfigured();
        TestClient alice = connect(token("alice"), "?room=lobby", Map.of());
        alice.awaitType("joined");
        alice.send("{\"type\":");
        assertThat(alice.awaitType("error").path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");
        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "still here")));
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("still here");
    }

    @Test
    void theTypingEventReachesTheOtherMembersOfTheRoom() {
        startConfigured();
        TestClient alice = connect(token("alice"), "?room=lobby", Map.of());
        alice.awaitType("joined");
        TestClient bob = connect(token("bob"), "?room=lobby", Map.of());
        bob.awaitType("joined");
        alice.sendJson(Map.of("type", "typing", "payload", Map.of("room", "lobby")));
        assertThat(bob.awaitType("typing").path("payload").path("subject").asText()).isEqualTo("alice");
    }

    @Test
    void theVipRoomNeedsItsPasswordInTheHeader() {
        startConfigured();
        assertThat(refusedStatus(() -> connect(token("alice"), "?room=vip", Map.of()))).isEqualTo(403);
        TestClient alice = connect(token("alice"), "?room=vip", Map.of("X-Roomcast-Room-Password", VIP_PASSWORD));
        assertThat(alice.awaitType("joined").path("room").asText()).isEqualTo("vip");
    }

    @Test
    void aForgedTokenNeverGetsAConnection() {
        startConfigured();
        String forged = new TokenMinter("another-secret-that-is-at-least-32-bytes-long".getBytes(StandardCharsets.UTF_8))
                .mint("mallory", Optional.empty(), Set.of(), Duration.ofMinutes(5));
        assertThat(refusedStatus(() -> connect(forged, "?room=lobby", Map.of()))).isEqualTo(401);
    }

    @Test
    void theAdminEndpointBroadcastsWithItsOwnSecretAndRefusesTheTokenSecret() throws Exception {
        startConfigured();
        TestClient alice = connect(token("alice"), "?room=lobby", Map.of());
        alice.awaitType("joined");
        URI admin = URI.create(server.httpUri() + "/_admin/broadcast?room=lobby");

        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(admin)
                .header("Authorization", "Bearer " + SECRET)
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"nope\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).doesNotContain(SECRET);

        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(admin)
                .header("Authorization", "Bearer " + ADMIN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"maintenance at noon\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(204);
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("maintenance at noon");
    }

    @Test
    void healthAndReadinessAreServedBesideTheWebSocketPath() throws Exception {
        startConfigured();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("\"code\":\"NOT_FOUND\"");
    }

    @Test
    void inDevelopmentItPrintsItsUrlAndATokenThatWorks() {
        start(Map.of());
        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).containsPattern("Roomcast chat listening on ws://127\\.0\\.0\\.1:\\d+/ws");
        Matcher m = Pattern.compile("Development token for 'alice' \\(valid 12 h\\): (\\S+)").matcher(out);
        assertThat(m.find()).as("a development token line in:%n%s", out).isTrue();
        TestClient alice = connect(m.group(1), "?room=lobby", Map.of());
        assertThat(alice.awaitType("joined").path("payload").path("members").get(0).path("subject").asText())
                .isEqualTo("alice");
    }

    @Test
    void theDaggerBuiltServiceStartsAndStopsCleanly() {
        RoomcastServer started = startConfigured();
        int port = started.port();
        TestClient alice = connect(token("alice"), "?room=lobby", Map.of());
        alice.awaitType("joined");

        started.shutdown(Duration.ofSeconds(2));

        assertThat(alice.awaitType("shutdown")).isNotNull();
        assertThat(alice.awaitClose()).isEqualTo(1001);
        assertThat(started.hub().activeConnectionCount()).isZero();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        started.stop(); // idempotent after shutdown
    }
}
