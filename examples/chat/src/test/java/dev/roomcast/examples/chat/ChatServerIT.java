package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.client.ClientState;
import dev.roomcast.client.Disconnect;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.Envelope;
import dev.roomcast.testkit.RecordingClient;
import dev.roomcast.testkit.RoomcastTestServer;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chat example started the way its main starts it (from its environment), through the test kit's
 * {@link RoomcastTestServer#startService}, exercised with the kit's recording Java clients and real HS256
 * tokens; the malformed-frame case needs a raw JDK WebSocket.
 */
@Timeout(60)
class ChatServerIT {
    private static final String SECRET = "chat-test-secret-that-is-at-least-32-bytes";
    private static final String ADMIN = "chat-admin-secret-also-at-least-32-bytes!";
    private static final String VIP_PASSWORD = "opensesame-123";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private RoomcastTestServer server;

    private RoomcastTestServer start(Map<String, String> env) {
        // snippet:testing-start-service
        server = RoomcastTestServer.startService(port -> {           // 0 first; the same port on restart()
            Map<String, String> all = new HashMap<>(env);
            all.put("ROOMCAST_PORT", Integer.toString(port));
            return ChatServer.start(new ConfigSources(all, Map.of()), new PrintStream(printed, true, StandardCharsets.UTF_8));
        });
        // end-snippet
        return server;
    }

    private RoomcastTestServer startConfigured() {
        return start(Map.of("ROOMCAST_TOKEN_SECRET", SECRET, "ROOMCAST_ADMIN_SECRET", ADMIN,
                "ROOMCAST_VIP_PASSWORD", VIP_PASSWORD));
    }

    private static String token(String subject) {
        return new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint(subject, Optional.of(subject), Set.of(), Duration.ofMinutes(5));
    }

    /** A recording client of the upgrade URL with {@code query} (such as {@code ?room=vip}), not yet connected. */
    private RecordingClient.Builder client(String token, String query) {
        return RecordingClient.builder(URI.create(server.uri() + query)).token(token);
    }

    private static String subjectOf(Envelope presenceOrJoined) {
        return presenceOrJoined.payload().path("member").path("subject").asText();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    @Test
    void twoClientsInTheLobbyExchangeMessagesSignedByTheirIdentity() {
        startConfigured();
        RecordingClient alice = server.connect(token("alice"));
        alice.join("lobby");
        RecordingClient bob = server.connect(token("bob"));
        assertThat(bob.join("lobby").payload().path("members").findValuesAsText("subject")).containsExactly("alice", "bob");
        assertThat(subjectOf(alice.awaitEvent("presence"))).isEqualTo("bob");

        alice.publish("lobby", Map.of("text", "hi bob"));

        Envelope message = bob.awaitEvent("message");
        assertThat(message.from()).contains("alice");
        assertThat(message.payload().path("text").asText()).isEqualTo("hi bob");
    }

    @Test
    void malformedJsonIsAnsweredWithAnErrorAndTheConnectionKeepsWorking() {
        startConfigured();
        // The Java client only writes well-formed envelopes, so this case needs a raw socket.
        TestClient alice = TestClient.connect(http, URI.create(server.uri() + "?room=lobby"),
                Map.of("Authorization", "Bearer " + token("alice")));
        alice.awaitType("joined");
        alice.send("{\"type\":");
        assertThat(alice.awaitType("error").path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");
        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "still here")));
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("still here");
        alice.close();
    }

    @Test
    void theTypingEventReachesTheOtherMembersOfTheRoom() {
        startConfigured();
        RecordingClient alice = server.connect(client(token("alice"), "?room=lobby"));
        alice.awaitEvent("joined");
        RecordingClient bob = server.connect(client(token("bob"), "?room=lobby"));
        bob.awaitEvent("joined");

        alice.send("typing", Map.of("room", "lobby"));

        assertThat(bob.awaitEvent("typing").payload().path("subject").asText()).isEqualTo("alice");
    }

    @Test
    void theVipRoomNeedsItsPasswordInTheHeader() {
        startConfigured();
        Disconnect refused = client(token("alice"), "?room=vip").refused();
        assertThat(refused.httpStatus()).contains(403);
        assertThat(refused.reason()).isEqualTo("ROOM_FORBIDDEN");

        RecordingClient alice = server.connect(client(token("alice"), "?room=vip")
                .configure(c -> c.header("X-Roomcast-Room-Password", VIP_PASSWORD)));
        assertThat(alice.awaitEvent("joined").room()).contains("vip");
    }

    @Test
    void aForgedTokenNeverGetsAConnection() {
        startConfigured();
        String forged = new TokenMinter("another-secret-that-is-at-least-32-bytes-long".getBytes(StandardCharsets.UTF_8))
                .mint("mallory", Optional.empty(), Set.of(), Duration.ofMinutes(5));
        Disconnect refused = client(forged, "?room=lobby").refused();
        assertThat(refused.httpStatus()).contains(401);
        assertThat(refused.reason()).isEqualTo("INVALID_TOKEN");
    }

    @Test
    void theAdminEndpointBroadcastsWithItsOwnSecretAndRefusesTheTokenSecret() throws Exception {
        startConfigured();
        RecordingClient alice = server.connect(token("alice"));
        alice.join("lobby");
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
        assertThat(alice.awaitEvent("message").payload().path("text").asText()).isEqualTo("maintenance at noon");
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
        RecordingClient alice = server.connect(m.group(1));
        assertThat(alice.join("lobby").payload().path("members").get(0).path("subject").asText()).isEqualTo("alice");
    }

    @Test
    void theDaggerBuiltServiceStartsAndStopsCleanly() {
        RoomcastServer started = startConfigured().server();
        int port = started.port();
        RecordingClient alice = server.connect(token("alice"));
        alice.join("lobby");

        started.shutdown(Duration.ofSeconds(2));

        assertThat(alice.awaitEvent("shutdown")).isNotNull();
        assertThat(alice.awaitState(ClientState.RECONNECTING).cause().orElseThrow().closeCode()).isEqualTo(1001);
        assertThat(started.hub().activeConnectionCount()).isZero();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        started.stop(); // idempotent after shutdown
    }
}
