package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat flow end to end over real sockets: join, publish, receive, and errors that keep the connection open. */
@Timeout(30)
class WalkingSkeletonIT {
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(RoomcastConfig.builder().presenceEnabled(false).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void membersOfARoomReceiveWhatAnotherMemberPublishes() {
        TestClient alice = server.connect("alice", "?room=lobby");
        JsonNode joined = alice.awaitType("joined");
        assertThat(joined.path("room").asText()).isEqualTo("lobby");
        TestClient bob = server.connect("bob", "");
        bob.sendJson(Map.of("type", "join", "room", "lobby", "id", "j1"));
        JsonNode bobJoined = bob.awaitType("joined");
        assertThat(bobJoined.path("id").asText()).isEqualTo("j1");
        assertThat(bobJoined.path("payload").path("members")).hasSize(2);

        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "hello")));

        JsonNode atBob = bob.awaitType("message");
        assertThat(atBob.path("room").asText()).isEqualTo("lobby");
        assertThat(atBob.path("from").asText()).isEqualTo("alice");
        assertThat(atBob.path("payload").path("text").asText()).isEqualTo("hello");
        JsonNode atAlice = alice.awaitType("message");
        assertThat(atAlice.path("payload").path("text").asText()).isEqualTo("hello");
    }

    @Test
    void aNumberWhoseExponentIsBeyondAnIntGetsAnErrorEventAndTheConnectionStaysUsable() {
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        // a publish is decoded on the I/O thread it arrived on, any other type by the connection's reader
        alice.send("{\"type\":\"publish\",\"room\":\"lobby\",\"payload\":{\"n\":1e34567890123}}");
        assertThat(alice.awaitType("error").path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");
        alice.send("{\"type\":\"ping\",\"id\":\"p0\",\"payload\":[[5e336666666666666666666]]}");
        assertThat(alice.awaitType("error").path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");

        alice.sendJson(Map.of("type", "ping", "id", "p1"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("p1");
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void malformedJsonGetsAnErrorEventAndTheConnectionStaysUsable() {
        TestClient alice = server.connect("alice", "");
        alice.send("{not json");
        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");

        alice.sendJson(Map.of("type", "ping", "id", "p1"));
        JsonNode pong = alice.awaitType("pong");
        assertThat(pong.path("id").asText()).isEqualTo("p1");
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void anEnvelopeWithoutTypeGetsMissingTypeWithTheClientsId() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("id", "x7", "payload", Map.of()));
        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("MISSING_TYPE");
        assertThat(error.path("id").asText()).isEqualTo("x7");
    }

    @Test
    void publishingToARoomNotJoinedIsRefusedWithNotInRoom() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "publish", "room", "lobby", "id", "p", "payload", Map.of("text", "hi")));
        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("NOT_IN_ROOM");
        assertThat(error.path("id").asText()).isEqualTo("p");
    }

    @Test
    void leavingARoomStopsDeliveryAndRepliesLeft() {
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "?room=lobby");
        bob.awaitType("joined");
        bob.sendJson(Map.of("type", "leave", "room", "lobby", "id", "l1"));
        assertThat(bob.awaitType("left").path("id").asText()).isEqualTo("l1");

        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("n", 1)));
        alice.awaitType("message");
        bob.assertNoMoreMessages(Duration.ofMillis(300));
        assertThat(server.hub().roomCount(dev.roomcast.core.RoomName.of("lobby"))).isEqualTo(1);
    }
}
