package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where the upgrade checks run: on the I/O thread that read the request when neither the token
 * authenticator nor the room authorizer may block for it, on a virtual thread from the first check
 * the request needs that may (the token's, or the rooms'). Either way the client is joined before the
 * 101 and reads {@code joined} first.
 */
@Timeout(30)
class UpgradeThreadingIT {
    private TestServer server;

    /**
     * A room authorizer that lets everyone in and records the threads it ran on; it may block for the
     * requests {@code mayBlockFor} names (all of them, or none, unless a test says otherwise).
     */
    static final class RecordingRooms implements RoomAuthorizer {
        final List<FakeTokens.Caller> callers = new CopyOnWriteArrayList<>();
        private final boolean mayBlock;
        private final Predicate<RoomAccessRequest> mayBlockFor;

        RecordingRooms(boolean mayBlock) {
            this(mayBlock, request -> mayBlock);
        }

        RecordingRooms(boolean mayBlock, Predicate<RoomAccessRequest> mayBlockFor) {
            this.mayBlock = mayBlock;
            this.mayBlockFor = mayBlockFor;
        }

        @Override
        public boolean mayBlock(RoomAccessRequest request) {
            return mayBlockFor.test(request);
        }

        @Override
        public RoomDecision authorize(RoomAccessRequest request) {
            callers.add(new FakeTokens.Caller(Thread.currentThread().getName(), Thread.currentThread().isVirtual()));
            return RoomDecision.allowed();
        }

        @Override
        public boolean mayBlock() {
            return mayBlock;
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TestClient start(FakeTokens tokens, RecordingRooms rooms, String query) {
        server = TestServer.builder().config(RoomcastConfig.builder().presenceEnabled(false).build())
                .tokenAuthenticator(tokens).roomAuthorizer(rooms).start();
        return server.connect("alice", query);
    }

    @Test
    void checksThatCannotBlockRunOnTheIoThreadAndTheClientReadsJoinedFirst() {
        FakeTokens tokens = FakeTokens.neverBlocking();
        RecordingRooms rooms = new RecordingRooms(false);
        TestClient alice = start(tokens, rooms, "?room=lobby");

        assertThat(alice.next().path("type").asText()).isEqualTo("joined");
        assertThat(tokens.callers()).singleElement().matches(FakeTokens.Caller::isIoThread, "an I/O thread");
        assertThat(rooms.callers).singleElement().matches(FakeTokens.Caller::isIoThread, "an I/O thread");
        alice.sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "hi")));
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("hi");
    }

    @Test
    void anAuthenticatorThatMayBlockMovesTheChecksToAVirtualThread() {
        FakeTokens tokens = new FakeTokens();
        RecordingRooms rooms = new RecordingRooms(false);
        TestClient alice = start(tokens, rooms, "?room=lobby");

        assertThat(alice.next().path("type").asText()).isEqualTo("joined");
        assertThat(tokens.callers()).singleElement().matches(FakeTokens.Caller::isVirtual, "a virtual thread");
        assertThat(rooms.callers).singleElement().matches(FakeTokens.Caller::isVirtual, "a virtual thread");
    }

    @Test
    void aRoomAuthorizerThatMayBlockMovesOnlyTheRoomChecksOffTheIoThreadAndOnlyWhenRoomsAreNamed() {
        FakeTokens tokens = FakeTokens.neverBlocking();
        RecordingRooms rooms = new RecordingRooms(true);
        TestClient withRoom = start(tokens, rooms, "?room=lobby");
        assertThat(withRoom.next().path("type").asText()).isEqualTo("joined");
        assertThat(tokens.callers()).singleElement().matches(FakeTokens.Caller::isIoThread, "an I/O thread");
        assertThat(rooms.callers).singleElement().matches(FakeTokens.Caller::isVirtual, "a virtual thread");

        TestClient withoutRoom = server.connect("bob", "");
        withoutRoom.sendJson(Map.of("type", "ping", "id", "p"));
        assertThat(withoutRoom.awaitType("pong").path("id").asText()).isEqualTo("p");
        assertThat(tokens.callers()).hasSize(2).last().matches(FakeTokens.Caller::isIoThread, "an I/O thread");
    }

    @Test
    void anAuthorizerThatMayBlockOnlyForSomeRequestsDecidesTheOthersOnTheIoThread() {
        FakeTokens tokens = FakeTokens.neverBlocking();
        RecordingRooms rooms = new RecordingRooms(true, request -> request.room().toString().equals("vault"));
        TestClient lobby = start(tokens, rooms, "?room=lobby");
        assertThat(lobby.next().path("type").asText()).isEqualTo("joined");
        assertThat(rooms.callers).singleElement().matches(FakeTokens.Caller::isIoThread, "an I/O thread");

        TestClient both = server.connect("bob", "?room=lobby,vault");
        assertThat(both.next().path("type").asText()).isEqualTo("joined");
        assertThat(rooms.callers).hasSize(3);
        assertThat(rooms.callers.subList(1, 3)).allMatch(FakeTokens.Caller::isVirtual, "virtual threads");
        assertThat(tokens.callers()).hasSize(2).allMatch(FakeTokens.Caller::isIoThread, "I/O threads");
    }
}
