package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.RoomcastException;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The code of the "Rooms and broadcast" guide, run against a real server with real clients. */
@Timeout(60)
class RoomsGuideIT {
    private GuideServer server;

    /** The payload of the guide's {@code move} event. */
    record Move(int x, int y) {
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private GuideServer start(RoomcastConfig.Builder config) {
        server = GuideServer.start(config);
        return server;
    }

    private static String errorCode(JsonNode error) {
        return error.path("payload").path("code").asText();
    }

    // ---- joining -------------------------------------------------------------------------------

    @Test
    void roomsNamedAtTheUpgradeAreJoinedBeforeAnythingElseArrives() {
        start(RoomcastConfig.builder());
        for (String query : List.of("?room=red&room=blue", "?room=red,blue")) {
            TestClient alice = server.connect("alice", query);
            assertThat(alice.next().path("room").asText()).isEqualTo("red");
            assertThat(alice.next().path("room").asText()).isEqualTo("blue");
            alice.close();
        }
    }

    @Test
    void joinAndLeaveAreAnsweredWithJoinedAndLeftAndTheOtherMembersSeePresence() {
        start(RoomcastConfig.builder());
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "");

        bob.sendJson(Map.of("type", "join", "room", "lobby", "id", "j1"));
        JsonNode joined = bob.awaitType("joined");
        assertThat(joined.path("id").asText()).isEqualTo("j1");
        assertThat(joined.path("payload").path("members").findValuesAsText("subject")).containsExactly("alice", "bob");
        JsonNode presence = alice.awaitType("presence");
        assertThat(presence.path("payload").path("event").asText()).isEqualTo("join");
        assertThat(presence.path("payload").path("member").path("subject").asText()).isEqualTo("bob");

        bob.sendJson(Map.of("type", "leave", "room", "lobby", "id", "l1"));
        assertThat(bob.awaitType("left").path("id").asText()).isEqualTo("l1");
        assertThat(alice.awaitType("presence").path("payload").path("event").asText()).isEqualTo("leave");

        bob.sendJson(Map.of("type", "leave", "room", "lobby", "id", "l2"));
        assertThat(errorCode(bob.awaitType("error"))).isEqualTo("NOT_IN_ROOM");
    }

    @Test
    void aJoinOfARoomAlreadyJoinedIsAnsweredWithJoinedAgainAndChangesNothing() {
        start(RoomcastConfig.builder().maxRoomConnections(1));
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");

        alice.sendJson(Map.of("type", "join", "room", "lobby", "id", "again"));

        JsonNode joined = alice.awaitType("joined");
        assertThat(joined.path("id").asText()).isEqualTo("again");
        assertThat(joined.path("payload").path("members").findValuesAsText("subject")).containsExactly("alice");
        assertThat(server.hub().registrationCount()).isEqualTo(1);
    }

    @Test
    void aClosedConnectionLeavesEveryRoomAndTheOthersSeeItGo() {
        start(RoomcastConfig.builder());
        TestClient alice = server.connect("alice", "?room=red,blue");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "?room=red");
        bob.awaitType("joined");
        alice.awaitType("presence");

        bob.close();

        JsonNode leave = alice.awaitType("presence");
        assertThat(leave.path("payload").path("event").asText()).isEqualTo("leave");
        assertThat(leave.path("payload").path("member").path("subject").asText()).isEqualTo("bob");
    }

    // ---- the hub from server code --------------------------------------------------------------

    @Test
    void serverCodeBroadcastsToARoomToEveryoneOrToOneConnectionThroughTheHub() throws Exception {
        start(RoomcastConfig.builder().presenceEnabled(false));
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "?room=lobby");
        bob.awaitType("joined");
        TestClient carol = server.connect("carol", "");
        RoomcastServer roomcastServer = server.server();

        // snippet:rooms-hub-api
        Hub hub = roomcastServer.hub();
        RoomName lobby = RoomName.of("lobby");
        ObjectNode notice = JsonNodeFactory.instance.objectNode().put("text", "deploy at noon");

        // every member of one room; the envelope is encoded once and the frame shared
        BroadcastResult toRoom = hub.broadcastRoom(lobby, Envelope.toRoom("notice", lobby, notice), Optional.empty())
                .get(5, TimeUnit.SECONDS);
        // every connection, once each, whatever rooms it is in
        BroadcastResult toAll = hub.broadcastAll(Envelope.of("notice", notice), Optional.empty())
                .get(5, TimeUnit.SECONDS);
        // one connection, on the calling thread
        ConnectionId first = hub.members(lobby).getFirst().connectionId();
        BroadcastResult toOne = hub.send(first, Envelope.of("notice", notice));
        // end-snippet

        assertThat(toRoom.attempted()).isEqualTo(2);
        assertThat(toRoom.fullyDelivered()).isTrue();
        assertThat(toAll.attempted()).isEqualTo(3);
        assertThat(toAll.enqueued()).isEqualTo(3);
        assertThat(toOne.attempted()).isEqualTo(1);
        assertThat(alice.awaitType("notice").path("room").asText()).isEqualTo("lobby");
        assertThat(alice.awaitType("notice").has("room")).isFalse();
        assertThat(alice.awaitType("notice").path("payload").path("text").asText()).isEqualTo("deploy at noon");
        bob.awaitType("notice");
        bob.awaitType("notice");
        assertThat(carol.awaitType("notice").path("payload").path("text").asText()).isEqualTo("deploy at noon");
        carol.assertNoMoreMessages(java.time.Duration.ofMillis(200));
    }

    @Test
    void aBroadcastCanLeaveOutOneConnection() throws Exception {
        start(RoomcastConfig.builder().presenceEnabled(false));
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "?room=lobby");
        bob.awaitType("joined");
        RoomName lobby = RoomName.of("lobby");
        ConnectionId aliceId = server.hub().members(lobby).stream()
                .filter(m -> m.subject().equals("alice")).findFirst().orElseThrow().connectionId();

        BroadcastResult result = server.hub().broadcastRoom(lobby,
                Envelope.toRoom("notice", lobby, JsonNodeFactory.instance.objectNode()), Optional.of(aliceId))
                .get(5, TimeUnit.SECONDS);

        assertThat(result.attempted()).isEqualTo(1);
        bob.awaitType("notice");
        alice.assertNoMoreMessages(java.time.Duration.ofMillis(200));
    }

    // ---- limits --------------------------------------------------------------------------------

    @Test
    void aFullRoomRefusesJoinsWith429AtTheUpgradeAndRoomFullAfterIt() {
        start(RoomcastConfig.builder().maxRoomConnections(2));
        server.connect("alice", "?room=lobby").awaitType("joined");
        server.connect("bob", "?room=lobby").awaitType("joined");

        Handshakes.Answer atUpgrade = Handshakes.upgrade(server.port(), "/ws?room=lobby", server.bearer("carol"));
        assertThat(atUpgrade.status()).isEqualTo(429);
        assertThat(atUpgrade.code()).isEqualTo("ROOM_FULL");

        TestClient carol = server.connect("carol", "");
        carol.sendJson(Map.of("type", "join", "room", "lobby", "id", "j1"));
        JsonNode error = carol.awaitType("error");
        assertThat(errorCode(error)).isEqualTo("ROOM_FULL");
        assertThat(error.path("id").asText()).isEqualTo("j1");
        assertThat(server.hub().roomCount(RoomName.of("lobby"))).isEqualTo(2);
    }

    @Test
    void theHubWideLimitsRefuseWithHubFull() {
        start(RoomcastConfig.builder().maxConnections(2).maxRoomRegistrations(2));
        TestClient alice = server.connect("alice", "?room=red,blue");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "");
        bob.sendJson(Map.of("type", "join", "room", "green"));
        assertThat(errorCode(bob.awaitType("error"))).isEqualTo("HUB_FULL");

        Handshakes.Answer third = Handshakes.upgrade(server.port(), "/ws", server.bearer("carol"));
        assertThat(third.status()).isEqualTo(503);
        assertThat(third.code()).isEqualTo("HUB_FULL");
    }

    @Test
    void joiningTooFastIsRateLimited() {
        start(RoomcastConfig.builder().joinRatePerSecond(0.5).joinBurst(2).presenceEnabled(false));
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "join", "room", "r1"));
        alice.awaitType("joined");
        alice.sendJson(Map.of("type", "join", "room", "r2"));
        alice.awaitType("joined");
        alice.sendJson(Map.of("type", "join", "room", "r3", "id", "j3"));
        JsonNode error = alice.awaitType("error");
        assertThat(errorCode(error)).isEqualTo("RATE_LIMITED");
        assertThat(error.path("id").asText()).isEqualTo("j3");
        assertThat(alice.isClosed()).isFalse();
    }

    // ---- subprotocols --------------------------------------------------------------------------

    @Test
    void theBatchSubprotocolMayCarrySeveralEnvelopesInOneFrame() {
        start(RoomcastConfig.builder());
        Inbox inbox = new Inbox();
        String token = server.token("alice");
        HttpClient http = server.http();
        RoomcastServer roomcastServer = server.server();
        // snippet:rooms-batch-connect
        WebSocket socket = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .subprotocols("roomcast.batch.v1")
                .buildAsync(URI.create(roomcastServer.webSocketUri() + "?room=red,blue"), inbox)
                .join();
        // end-snippet
        try {
            assertThat(socket.getSubprotocol()).isEqualTo("roomcast.batch.v1");
            // Both joined replies were queued before the 101, so the first write carries both.
            String first = inbox.nextFrame();
            assertThat(first.split("\n")).hasSize(2);
            assertThat(inbox.awaitType("joined").path("room").asText()).isEqualTo("red");
            assertThat(inbox.awaitType("joined").path("room").asText()).isEqualTo("blue");
        } finally {
            socket.abort();
        }
    }

    @Test
    void theDefaultSubprotocolSendsOneEnvelopePerFrame() {
        start(RoomcastConfig.builder());
        TestClient plain = server.connect("alice", "?room=red,blue");
        TestClient v1 = server.connect("bob", "?room=red,blue", "roomcast.v1");
        assertThat(plain.subprotocol()).isEmpty();
        assertThat(v1.subprotocol()).isEqualTo("roomcast.v1");
        for (TestClient client : List.of(plain, v1)) {
            client.awaitType("joined");
            client.awaitType("joined");
            assertThat(client.rawFrames()).allSatisfy(frame -> assertThat(frame).doesNotContain("\n"));
        }
        Handshakes.Answer unknown = Handshakes.upgrade(server.port(), "/ws",
                Map.of("Authorization", "Bearer " + server.token("carol"), "Sec-WebSocket-Protocol", "chat.v2"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.code()).isEqualTo("BAD_SUBPROTOCOL");
    }

    // ---- application events --------------------------------------------------------------------

    private static EventRouter moveRouter() {
        // snippet:rooms-router
        return EventRouter.builder()
                .on("move", Move.class, (ctx, move) -> {
                    RoomName board = ctx.envelope().room().flatMap(RoomName::parse)
                            .orElseThrow(() -> new RoomcastException(ErrorCode.INVALID_ROOM, "move without a valid room"));
                    if (!ctx.rooms().contains(board)) {
                        throw new RoomcastException(ErrorCode.NOT_IN_ROOM, "move in a room not joined");
                    }
                    ctx.broadcast(board, "moved", Map.of("x", move.x(), "y", move.y()));  // "from" is set for you
                    ctx.reply("move-accepted", Map.of("x", move.x(), "y", move.y()));      // echoes the request id
                })
                .build();
        // end-snippet
    }

    @Test
    void aRegisteredEventIsBoundToItsPayloadTypeAndHandledInOrder() {
        server = GuideServer.start(RoomcastConfig.builder().presenceEnabled(false), moveRouter());
        TestClient alice = server.connect("alice", "?room=board:1");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "?room=board:1");
        bob.awaitType("joined");

        alice.sendJson(Map.of("type", "move", "room", "board:1", "id", "m1", "payload", Map.of("x", 3, "y", 4)));

        JsonNode accepted = alice.awaitType("move-accepted");
        assertThat(accepted.path("id").asText()).isEqualTo("m1");
        JsonNode moved = bob.awaitType("moved");
        assertThat(moved.path("from").asText()).isEqualTo("alice");
        assertThat(moved.path("room").asText()).isEqualTo("board:1");
        assertThat(moved.path("payload").path("x").asInt()).isEqualTo(3);
    }

    @Test
    void badPayloadsUnknownTypesAndRoomsNotJoinedGetErrorEventsAndTheConnectionStaysOpen() {
        server = GuideServer.start(RoomcastConfig.builder(), moveRouter());
        TestClient alice = server.connect("alice", "");

        alice.sendJson(Map.of("type", "move", "room", "board:1", "id", "a", "payload", Map.of("x", "three", "y", 4)));
        assertThat(errorCode(alice.awaitType("error"))).isEqualTo("INVALID_PAYLOAD");
        alice.sendJson(Map.of("type", "move", "room", "board:1", "id", "no-payload"));
        assertThat(errorCode(alice.awaitType("error"))).isEqualTo("INVALID_PAYLOAD");
        alice.sendJson(Map.of("type", "move", "room", "board:1", "id", "b", "payload", Map.of("x", 3, "y", 4)));
        assertThat(errorCode(alice.awaitType("error"))).isEqualTo("NOT_IN_ROOM");
        alice.sendJson(Map.of("type", "resign", "id", "c"));
        JsonNode unknown = alice.awaitType("error");
        assertThat(errorCode(unknown)).isEqualTo("UNKNOWN_TYPE");
        assertThat(unknown.path("id").asText()).isEqualTo("c");

        alice.sendJson(Map.of("type", "ping", "id", "p"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("p");
    }
}
