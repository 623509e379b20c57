package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /_admin/broadcast}: its own credential, its body limit, room validation and hub refusals. */
@Timeout(30)
class AdminBroadcastIT {
    private static final String ADMIN = "admin-credential-for-tests-0123456789";
    private static final int LIMIT = 1024;

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().adminBroadcastEnabled(true).maxMessageBytes(LIMIT).presenceEnabled(false).build())
                .broadcastAuthorizer(ADMIN::equals)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private RawWebSocket.Response post(String target, String credential, byte[] body) throws Exception {
        try (RawWebSocket http = RawWebSocket.open(server.port())) {
            Map<String, String> headers = credential == null
                    ? Map.of("Host", "127.0.0.1", "Connection", "close")
                    : Map.of("Host", "127.0.0.1", "Connection", "close", "Authorization", "Bearer " + credential);
            return http.request("POST", target, headers, body);
        }
    }

    @Test
    void theBodyReachesTheRoomAsOneMessageAndTheAnswerIs204() throws Exception {
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "?room=elsewhere");
        bob.awaitType("joined");

        var response = post("/_admin/broadcast?room=lobby", ADMIN, "{\"text\":\"restart at noon\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(response.status()).isEqualTo(204);
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("restart at noon");
        bob.assertNoMoreMessages(java.time.Duration.ofMillis(300));
    }

    @Test
    void withoutARoomEveryConnectionGetsItOnce() throws Exception {
        TestClient alice = server.connect("alice", "?room=a&room=b");
        alice.awaitType("joined");
        alice.awaitType("joined");
        assertThat(post("/_admin/broadcast", ADMIN, "plain text".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(204);
        assertThat(alice.awaitType("message").path("payload").asText()).isEqualTo("plain text");
        alice.assertNoMoreMessages(java.time.Duration.ofMillis(300));
    }

    @Test
    void aMissingOrWrongCredentialIs401AndNeverEchoed() throws Exception {
        var missing = post("/_admin/broadcast", null, "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(missing.status()).isEqualTo(401);
        var wrong = post("/_admin/broadcast", "valid:alice", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.body()).contains("\"code\":\"UNAUTHORIZED\"").doesNotContain("valid:alice");
    }

    @Test
    void aBodyAtTheLimitIsAcceptedAndOneByteOverIs413() throws Exception {
        byte[] atLimit = ("\"" + "x".repeat(LIMIT - 2) + "\"").getBytes(StandardCharsets.UTF_8);
        assertThat(atLimit).hasSize(LIMIT);
        assertThat(post("/_admin/broadcast", ADMIN, atLimit).status()).isEqualTo(204);
        byte[] over = ("\"" + "x".repeat(LIMIT - 1) + "\"").getBytes(StandardCharsets.UTF_8);
        var response = post("/_admin/broadcast", ADMIN, over);
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
    }

    @Test
    void anInvalidRoomIs400() throws Exception {
        var response = post("/_admin/broadcast?room=bad%20room", ADMIN, "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("\"code\":\"INVALID_ROOM\"");
    }

    @Test
    void aBroadcastTheStoppedHubRefusesIs503() throws Exception {
        server.hub().stop();
        var response = post("/_admin/broadcast?room=lobby", ADMIN, "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("\"code\":\"SHUTTING_DOWN\"");
    }

    @Test
    void aGetIs405() throws Exception {
        try (RawWebSocket http = RawWebSocket.open(server.port())) {
            var response = http.request("GET", "/_admin/broadcast", Map.of("Host", "127.0.0.1", "Connection", "close"));
            assertThat(response.status()).isEqualTo(405);
            assertThat(response.header("Allow")).isEqualTo("POST");
        }
    }
}
