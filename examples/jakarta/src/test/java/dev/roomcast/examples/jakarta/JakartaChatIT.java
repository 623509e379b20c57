package dev.roomcast.examples.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example end to end over real sockets: the servlet application serves its page and tokens, and
 * Roomcast's Jakarta endpoint in the same deployment joins, publishes and broadcasts, handles a slow
 * consumer per {@link SendBehavior}, pings, and shuts down gracefully.
 */
@Timeout(60)
class JakartaChatIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoomName LOBBY = RoomName.of("lobby");
    private JakartaTestApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aPublishReachesEveryMemberOfTheRoomWithItsSender() {
        app = JakartaTestApp.start();
        TestClient alice = app.connect("alice", "?room=lobby");
        TestClient bob = app.connect("bob", "?room=lobby");
        assertThat(alice.awaitType("joined").path("room").asText()).isEqualTo("lobby");
        bob.awaitType("joined");
        await().atMost(Duration.ofSeconds(5)).until(() -> app.app().roomcast().hub().roomCount(LOBBY) == 2);

        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "hello")));

        for (TestClient c : List.of(alice, bob)) {
            JsonNode m = c.awaitType("message");
            assertThat(m.path("from").asText()).isEqualTo("alice");
            assertThat(m.path("payload").path("text").asText()).isEqualTo("hello");
        }
    }

    @Test
    void joinLeaveAndPingWorkAfterTheUpgrade() {
        app = JakartaTestApp.start();
        TestClient alice = app.connect("alice", "");

        alice.sendJson(Map.of("type", "join", "room", "kitchen", "id", "j1"));
        assertThat(alice.awaitType("joined").path("id").asText()).isEqualTo("j1");
        alice.sendJson(Map.of("type", "join", "room", JakartaChatModule.STAFF_ROOM, "id", "j2"));
        JsonNode refused = alice.awaitType("error");
        assertThat(refused.path("payload").path("code").asText()).isEqualTo("ROOM_FORBIDDEN");
        assertThat(refused.path("id").asText()).isEqualTo("j2");
        alice.sendJson(Map.of("type", "ping", "id", "p1"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("p1");
        alice.sendJson(Map.of("type", "leave", "room", "kitchen"));
        alice.awaitType("left");
        alice.send("{not json");
        assertThat(alice.awaitType("error").path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void batchingClientsGetTheirSubprotocol() {
        app = JakartaTestApp.start();
        TestClient alice = app.connect("alice", "?room=lobby", "roomcast.batch.v1");

        alice.awaitType("joined");

        assertThat(alice.subprotocol()).isEqualTo("roomcast.batch.v1");
    }

    @Test
    void thePageAndADevelopmentTokenAreServedByTheApplication() throws Exception {
        app = JakartaTestApp.start();
        URI base = app.app().httpUri();

        HttpResponse<String> page = app.http().send(HttpRequest.newBuilder(base.resolve("/")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> token = app.http().send(HttpRequest.newBuilder(base.resolve("/token?name=dora")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("new WebSocket(");
        assertThat(token.statusCode()).isEqualTo(200);
        String minted = JSON.readTree(token.body()).path("token").asText();
        TestClient dora = TestClient.connect(app.http(), app.uri("?room=lobby&access_token=" + minted), Map.of());
        assertThat(dora.awaitType("joined").path("room").asText()).isEqualTo("lobby");
        dora.close();
    }

    @Test
    void clientsArePingedAtThePingPeriod() {
        app = JakartaTestApp.start(b -> b.pingPeriod(Duration.ofMillis(100)).pongWait(Duration.ofSeconds(5)));
        TestClient alice = app.connect("alice", "?room=lobby");

        await().atMost(Duration.ofSeconds(5)).until(() -> alice.pingsReceived() >= 3);
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void aClientThatAnswersNoPingIsClosedWith1001AfterThePongWait() throws IOException {
        app = JakartaTestApp.start(b -> b.pingPeriod(Duration.ofMillis(100)).pongWait(Duration.ofMillis(400)));
        try (RawWebSocket silent = RawWebSocket.open(app.port())) {
            assertThat(silent.upgrade("/ws?room=lobby", app.bearer("mute")).status()).isEqualTo(101);

            assertThat(silent.awaitCloseCode()).isEqualTo(1001);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> app.app().roomcast().hub().activeConnectionCount() == 0);
    }

    @Test
    void aSlowMemberIsClosedWith1013UnderCloseWhileTheOthersKeepReceiving() throws Exception {
        app = JakartaTestApp.start(b -> b.sendQueueSize(8).sendBehavior(SendBehavior.CLOSE).presenceEnabled(false));
        Hub hub = app.app().roomcast().hub();
        TestClient fast = app.connect("fast", "?room=lobby");
        fast.awaitType("joined");
        try (RawWebSocket slow = RawWebSocket.open(app.port(), 4096)) {
            assertThat(slow.upgrade("/ws?room=lobby", app.bearer("slow")).status()).isEqualTo(101);
            assertThat(JSON.readTree(slow.readUntil(RawWebSocket.OP_TEXT).text()).path("type").asText()).isEqualTo("joined");
            await().atMost(Duration.ofSeconds(5)).until(() -> hub.roomCount(LOBBY) == 2);

            // The slow member never reads; 32 KB messages fill its socket, then its queue of 8.
            String pad = "x".repeat(32 * 1024);
            int closed = 0;
            int n = 0;
            for (; n < 2_000 && closed == 0; n++) {
                BroadcastResult r = hub.broadcastRoom(LOBBY, Envelope.toRoom("message", LOBBY,
                        JSON.createObjectNode().put("n", n).put("pad", pad)), Optional.empty()).get(5, TimeUnit.SECONDS);
                closed += r.closed();
                assertThat(fast.awaitType("message").path("payload").path("n").asInt()).isEqualTo(n);
            }

            assertThat(closed).as("the slow member was closed within 2,000 messages").isEqualTo(1);
            assertThat(hub.roomCount(LOBBY)).as("it left the room at once").isEqualTo(1);
            BroadcastResult after = hub.broadcastRoom(LOBBY, Envelope.toRoom("message", LOBBY,
                    JSON.createObjectNode().put("n", -1)), Optional.empty()).get(5, TimeUnit.SECONDS);
            assertThat(after.attempted()).isEqualTo(1);
            assertThat(fast.awaitType("message").path("payload").path("n").asInt()).isEqualTo(-1);
            // Once the slow member reads again, the last thing it gets is the 1013 close.
            slow.sendClose(1000);
            assertThat(slow.awaitCloseCode()).isEqualTo(1013);
        }
        assertThat(fast.isClosed()).isFalse();
    }

    @Test
    void aSlowMembersFramesAreDroppedUnderDropAndItStaysInTheRoom() throws Exception {
        app = JakartaTestApp.start(b -> b.sendQueueSize(8).sendBehavior(SendBehavior.DROP).presenceEnabled(false));
        Hub hub = app.app().roomcast().hub();
        TestClient fast = app.connect("fast", "?room=lobby");
        fast.awaitType("joined");
        try (RawWebSocket slow = RawWebSocket.open(app.port(), 4096)) {
            assertThat(slow.upgrade("/ws?room=lobby", app.bearer("slow")).status()).isEqualTo(101);
            slow.readUntil(RawWebSocket.OP_TEXT);
            await().atMost(Duration.ofSeconds(5)).until(() -> hub.roomCount(LOBBY) == 2);

            String pad = "x".repeat(32 * 1024);
            int dropped = 0;
            for (int n = 0; n < 2_000 && dropped < 5; n++) {
                BroadcastResult r = hub.broadcastRoom(LOBBY, Envelope.toRoom("message", LOBBY,
                        JSON.createObjectNode().put("n", n).put("pad", pad)), Optional.empty()).get(5, TimeUnit.SECONDS);
                dropped += r.dropped();
                assertThat(r.closed()).isZero();
                assertThat(fast.awaitType("message").path("payload").path("n").asInt()).isEqualTo(n);
            }

            assertThat(dropped).as("frames dropped for the slow member within 2,000 messages").isEqualTo(5);
            assertThat(hub.roomCount(LOBBY)).as("DROP keeps it").isEqualTo(2);
        }
    }

    @Test
    void gracefulShutdownSendsTheShutdownEventThenCloses1001() {
        app = JakartaTestApp.start();
        TestClient alice = app.connect("alice", "?room=lobby");
        TestClient bob = app.connect("bob", "?room=lobby");
        alice.awaitType("joined");
        bob.awaitType("joined");

        Hub.ShutdownResult result = app.app().shutdown(Duration.ofSeconds(2));

        assertThat(result.notified()).isEqualTo(2);
        assertThat(result.forced()).isZero();
        for (TestClient c : List.of(alice, bob)) {
            JsonNode notice = c.awaitType("shutdown");
            assertThat(notice.path("payload").path("reconnectAfterMs").asLong()).isNotNegative();
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
        app = null; // shut down already
    }
}
