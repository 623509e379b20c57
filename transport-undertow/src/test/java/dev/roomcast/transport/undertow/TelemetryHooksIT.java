package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseConnection;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRecord;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.UpgradeRecord;
import dev.roomcast.core.WriteRecord;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The telemetry hooks the transport calls for observability, over real sockets: what each upgrade,
 * event, write, pong and heartbeat timeout reports, and the trace context stamped on broadcasts.
 */
@Timeout(60)
class TelemetryHooksIT {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String LISTENER_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Records the new hooks; optionally returns a trace context from onEventStarted. */
    private static final class Hooks implements ConnectionListener {
        final List<UpgradeRecord> upgrades = new CopyOnWriteArrayList<>();
        final List<String> denied = new CopyOnWriteArrayList<>();
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<EventRecord> handled = new CopyOnWriteArrayList<>();
        final List<String> decodeFailures = new CopyOnWriteArrayList<>();
        final List<WriteRecord> writes = new CopyOnWriteArrayList<>();
        final List<Duration> pongs = new CopyOnWriteArrayList<>();
        final List<Duration> timeouts = new CopyOnWriteArrayList<>();
        volatile Optional<String> traceToReturn = Optional.empty();

        @Override
        public void onUpgradeAttempted(UpgradeRecord upgrade) {
            upgrades.add(upgrade);
        }

        @Override
        public void onRoomAccessDenied(RoomName room, ErrorCode code) {
            denied.add(room + " " + code);
        }

        @Override
        public Optional<String> onEventStarted(Peer peer, Envelope envelope) {
            started.add(envelope.type());
            return traceToReturn;
        }

        @Override
        public void onEventHandled(Peer peer, EventRecord event) {
            handled.add(event);
        }

        @Override
        public void onDecodeFailed(Peer peer, ErrorCode code, long bytes) {
            decodeFailures.add(code + " " + bytes);
        }

        @Override
        public void onFramesWritten(Peer peer, WriteRecord write) {
            writes.add(write);
        }

        @Override
        public void onPong(Peer peer, Duration roundTrip) {
            pongs.add(roundTrip);
        }

        @Override
        public void onHeartbeatTimeout(Peer peer, Duration silence) {
            timeouts.add(silence);
        }

        EventRecord awaitHandled(Predicate<EventRecord> matching) {
            await().atMost(WAIT).until(() -> handled.stream().anyMatch(matching));
            return handled.stream().filter(matching).findFirst().orElseThrow();
        }
    }

    private final Hooks hooks = new Hooks();
    private TestServer server;

    @AfterEach
    void stop() {
        server.close();
    }

    private TestServer start(RoomcastConfig config) {
        EventRouter router = EventRouter.builder()
                .on("quit", Void.class, (ctx, p) -> {
                    throw new CloseConnection(CloseCode.NORMAL, "bye");
                })
                .on("boom", Void.class, (ctx, p) -> {
                    throw new IllegalStateException("boom");
                })
                .build();
        RoomAuthorizer rooms = request -> switch (request.room().value()) {
            case "vip" -> RoomDecision.forbidden("members only");
            case "locked" -> new RoomDecision.Denied(ErrorCode.RATE_LIMITED, "too many wrong passwords");
            default -> RoomDecision.allowed();
        };
        server = TestServer.builder().config(config).router(router).roomAuthorizer(rooms).listener(hooks).start();
        return server;
    }

    private int rawUpgradeStatus(String target, Map<String, String> headers) throws IOException {
        try (RawWebSocket raw = RawWebSocket.open(server.port())) {
            return raw.upgrade(target, headers).status();
        }
    }

    @Test
    void everyUpgradeIsReportedOnceWithItsOutcomeTraceHeadersAndAuthWord() throws Exception {
        start(RoomcastConfig.defaults());
        TestClient alice = server.connect(Map.of("Authorization", "Bearer valid:alice", "traceparent", TRACEPARENT,
                "tracestate", "vendor=1"), "?room=lobby");
        alice.awaitType("joined");
        assertThat(rawUpgradeStatus("/ws", Map.of())).isEqualTo(401);
        assertThat(rawUpgradeStatus("/ws", Map.of("Authorization", "Bearer forged", "traceparent", "garbage"))).isEqualTo(401);
        assertThat(rawUpgradeStatus("/ws?room=vip", Map.of("Authorization", "Bearer valid:bob"))).isEqualTo(403);

        await().atMost(WAIT).until(() -> hooks.upgrades.size() == 4);
        UpgradeRecord accepted = hooks.upgrades.getFirst();
        assertThat(accepted.accepted()).isTrue();
        assertThat(accepted.connectionId()).isPresent();
        assertThat(accepted.traceparent()).contains(TRACEPARENT);
        assertThat(accepted.tracestate()).contains("vendor=1");
        assertThat(accepted.end()).isAfterOrEqualTo(accepted.start());
        assertThat(hooks.upgrades.subList(1, 4)).extracting(u -> u.rejection().orElseThrow() + " " + u.authFailure().orElse("-"))
                .containsExactly("TOKEN_REQUIRED missing", "INVALID_TOKEN bad_signature", "ROOM_FORBIDDEN -");
        assertThat(hooks.upgrades.get(2).traceparent()).as("a malformed traceparent is dropped").isEmpty();
        assertThat(hooks.upgrades.subList(1, 4)).allSatisfy(u -> assertThat(u.connectionId()).isEmpty());
        assertThat(hooks.denied).containsExactly("vip ROOM_FORBIDDEN");
    }

    @Test
    void eachHandledEventReportsItsTypeRoomUtf8SizeAndOutcome() {
        start(RoomcastConfig.defaults());
        TestClient alice = server.connect("alice", "");
        String join = "{\"type\":\"join\",\"room\":\"lobby\",\"id\":\"é\"}";
        alice.send(join).awaitType("joined");
        alice.send("{\"type\":\"publish\",\"room\":\"elsewhere\"}").awaitType("error");
        alice.send("{\"type\":\"join\",\"room\":\"locked\"}").awaitType("error");
        alice.send("{oops").awaitType("error");
        alice.send("{\"type\":\"boom\"}");
        assertThat(alice.awaitClose()).isEqualTo(1011);

        EventRecord joined = hooks.awaitHandled(e -> e.type().equals("join") && e.room().equals(Optional.of("lobby")));
        assertThat(joined.outcome()).isEqualTo(EventRecord.Outcome.HANDLED);
        assertThat(joined.bytes()).isEqualTo(join.getBytes(StandardCharsets.UTF_8).length);
        assertThat(joined.error()).isEmpty();
        EventRecord refused = hooks.awaitHandled(e -> e.type().equals("publish"));
        assertThat(refused.outcome()).isEqualTo(EventRecord.Outcome.REJECTED);
        assertThat(refused.error()).contains(ErrorCode.NOT_IN_ROOM);
        assertThat(hooks.awaitHandled(e -> e.room().equals(Optional.of("locked"))).error()).contains(ErrorCode.RATE_LIMITED);
        assertThat(hooks.denied).containsExactly("locked RATE_LIMITED");
        assertThat(hooks.awaitHandled(e -> e.type().equals("boom")).outcome()).isEqualTo(EventRecord.Outcome.FAILED);
        assertThat(hooks.decodeFailures).containsExactly("MALFORMED_MESSAGE 5");
        assertThat(hooks.started).containsExactly("join", "publish", "join", "boom");
    }

    @Test
    void aHandlerThatClosesIsReportedAsClosed() {
        start(RoomcastConfig.defaults());
        TestClient alice = server.connect("alice", "");
        alice.send("{\"type\":\"quit\"}");
        assertThat(alice.awaitClose()).isEqualTo(1000);

        assertThat(hooks.awaitHandled(e -> e.type().equals("quit")).outcome()).isEqualTo(EventRecord.Outcome.CLOSED);
    }

    @Test
    void aPublishCarriesTheListenersTraceContextElseTheEnvelopesOwn() {
        start(RoomcastConfig.builder().presenceEnabled(false).build());
        TestClient alice = server.connect("alice", "?room=lobby");
        TestClient bob = server.connect("bob", "?room=lobby");
        alice.awaitType("joined");
        bob.awaitType("joined");

        alice.send("{\"type\":\"publish\",\"room\":\"lobby\",\"traceparent\":\"" + TRACEPARENT + "\"}");
        assertThat(bob.awaitType("message").path("traceparent").asText()).isEqualTo(TRACEPARENT);

        hooks.traceToReturn = Optional.of(LISTENER_TRACEPARENT);
        alice.send("{\"type\":\"publish\",\"room\":\"lobby\",\"traceparent\":\"" + TRACEPARENT + "\"}");
        assertThat(bob.awaitType("message").path("traceparent").asText()).isEqualTo(LISTENER_TRACEPARENT);

        hooks.traceToReturn = Optional.empty();
        alice.send("{\"type\":\"publish\",\"room\":\"lobby\"}");
        assertThat(bob.awaitType("message").has("traceparent")).as("no trace context, none invented").isFalse();
    }

    @Test
    void writesReportWhatTheyCarriedInBothSubprotocols() {
        start(RoomcastConfig.builder().presenceEnabled(false).build());
        TestClient batched = server.connect(Map.of("Authorization", "Bearer valid:a"), "?room=lobby", "roomcast.batch.v1");
        batched.awaitType("joined");
        await().atMost(WAIT).until(() -> hooks.writes.size() == 1);
        WriteRecord first = hooks.writes.getFirst();
        assertThat(first.frames()).isEqualTo(1);
        assertThat(first.envelopes()).isEqualTo(1);
        assertThat(first.bytes()).isEqualTo(batched.rawFrames().peek().getBytes(StandardCharsets.UTF_8).length);

        TestClient plain = server.connect("b", "?room=lobby");
        plain.awaitType("joined");
        await().atMost(WAIT).until(() -> hooks.writes.size() == 2);
        assertThat(hooks.writes.get(1).frames()).isEqualTo(hooks.writes.get(1).envelopes());
        assertThat(hooks.writes).allSatisfy(w -> assertThat(w.queueDepth()).isGreaterThanOrEqualTo(w.envelopes()));
    }

    @Test
    void pongsAreTimedFromThePingThatAskedForThem() {
        start(RoomcastConfig.builder().pingPeriod(Duration.ofMillis(100)).pongWait(Duration.ofSeconds(5)).build());
        TestClient alice = server.connect("alice", "");

        await().atMost(WAIT).until(() -> hooks.pongs.size() >= 2);
        assertThat(alice.pingsReceived()).isGreaterThanOrEqualTo(2);
        assertThat(hooks.pongs).allSatisfy(rtt -> assertThat(rtt).isPositive().isLessThan(WAIT));
        assertThat(hooks.timeouts).isEmpty();
    }

    @Test
    void aClientThatNeverAnswersIsReportedAsAHeartbeatTimeout() throws Exception {
        start(RoomcastConfig.builder().pingPeriod(Duration.ofMillis(100)).pongWait(Duration.ofMillis(300)).build());
        try (RawWebSocket silent = RawWebSocket.connect(server.port(), "/ws", "silent")) {
            await().atMost(WAIT).until(() -> !hooks.timeouts.isEmpty());
            assertThat(hooks.timeouts.getFirst()).isGreaterThan(Duration.ofMillis(300));
            assertThat(silent.awaitCloseCode()).isEqualTo(1001);
        }
        assertThat(hooks.timeouts).hasSize(1);
        assertThat(hooks.pongs).isEmpty();
    }
}
