package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseConnection;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.LogCapture;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What one connection may send and what happens at each limit: message size (whole and fragmented),
 * UTF-8, binary frames, the inbound rate, unknown types, typed payloads, and handler outcomes. Limits
 * come in pairs: one case at the limit, one just over it.
 */
@Timeout(60)
class ConnectionLimitsIT {
    private static final int MAX_BYTES = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The payload of the application event {@code move}. */
    record Move(int x, int y) {
    }

    /** The payload of the application event {@code seq}. */
    record Seq(int n) {
    }

    private final RecordingListener listener = new RecordingListener();
    /** What the {@code seq} handler saw, in the order it ran: "n@thread(virtual)". */
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    /** Holds the {@code hold} handler until the test releases it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private TestServer server;

    @BeforeEach
    void start() {
        EventRouter router = EventRouter.builder()
                .on("move", Move.class, (ctx, move) -> ctx.reply("moved", Map.of(
                        "x", move.x(), "y", move.y(), "by", ctx.identity().subject())))
                .on("seq", Seq.class, (ctx, seq) -> {
                    Thread t = Thread.currentThread();
                    seen.add(seq.n() + "@" + t.getName() + "(" + t.isVirtual() + ")");
                    ctx.reply("seq-ok", Map.of("n", seq.n()));
                })
                .on("hold", Seq.class, (ctx, seq) -> {
                    if (!release.await(5, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released the hold");
                    }
                    ctx.reply("held", Map.of("n", seq.n()));
                })
                .on("refuse", Seq.class, (ctx, seq) -> {
                    throw new CloseConnection(CloseCode.POLICY_VIOLATION, "no");
                })
                .on("boom", Seq.class, (ctx, seq) -> {
                    throw new IllegalStateException("boom-marker-7f3a");
                })
                .build();
        server = TestServer.builder()
                .config(RoomcastConfig.builder().maxMessageBytes(MAX_BYTES).presenceEnabled(false)
                        .inboundRatePerSecond(1).inboundBurst(150).workerCount(2).jobQueueSize(64).build())
                .router(router)
                .listener(listener)
                .start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    // ---- size -------------------------------------------------------------------------------------

    @Test
    void aMessageOfExactlyMaxMessageBytesIsHandled() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            ws.sendText(pingOfExactly(MAX_BYTES, "at-limit"));

            JsonNode pong = JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text());
            assertThat(pong.path("type").asText()).isEqualTo("pong");
            assertThat(pong.path("id").asText()).isEqualTo("at-limit");
        }
    }

    @Test
    void aMessageOneByteOverMaxMessageBytesIsClosedWith1009() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            ws.sendText(pingOfExactly(MAX_BYTES + 1, "over"));

            assertThat(ws.awaitCloseCode()).isEqualTo(1009);
            assertClosedAndReleased(ws, 1009);
        }
    }

    @Test
    void aFragmentedMessageWithinTheLimitIsHandled() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            byte[] message = pingOfExactly(MAX_BYTES, "fragmented").getBytes(StandardCharsets.UTF_8);
            sendInThreeFragments(ws, message);

            JsonNode pong = JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text());
            assertThat(pong.path("type").asText()).isEqualTo("pong");
            assertThat(pong.path("id").asText()).isEqualTo("fragmented");
        }
    }

    @Test
    void aFragmentedMessageWhoseFragmentsTogetherExceedTheLimitIsClosedWith1009() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            byte[] message = pingOfExactly(MAX_BYTES + 200, "too-big").getBytes(StandardCharsets.UTF_8);
            assertThat(message.length / 3).as("each fragment alone is within the limit").isLessThan(MAX_BYTES);
            sendInThreeFragments(ws, message);

            assertThat(ws.awaitCloseCode()).isEqualTo(1009);
            assertClosedAndReleased(ws, 1009);
        }
    }

    @Test
    void aFrameAnnouncingMoreThanTheLimitIsClosedWith1009BeforeItIsComplete() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            byte[] start = ("{\"type\":\"ping\",\"payload\":\"" + "a".repeat(2 * MAX_BYTES)).getBytes(StandardCharsets.UTF_8);
            ws.sendFrameStart(RawWebSocket.OP_TEXT, 100L * 1024 * 1024, start); // 100 MB announced, 2 KB sent

            assertThat(ws.awaitCloseCode()).isEqualTo(1009);
        }
    }

    @Test
    void aPingBetweenFragmentsIsAnsweredAndTheMessageStillHandled() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            byte[] message = "{\"type\":\"ping\",\"id\":\"around-a-ping\"}".getBytes(StandardCharsets.UTF_8);
            ws.sendFrame(RawWebSocket.OP_TEXT, false, java.util.Arrays.copyOfRange(message, 0, 10));
            ws.sendFrame(RawWebSocket.OP_PING, true, "mid".getBytes(StandardCharsets.UTF_8));
            ws.sendFrame(RawWebSocket.OP_CONTINUATION, true, java.util.Arrays.copyOfRange(message, 10, message.length));

            assertThat(ws.readUntil(RawWebSocket.OP_PONG).text()).isEqualTo("mid");
            JsonNode pong = JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text());
            assertThat(pong.path("id").asText()).isEqualTo("around-a-ping");
        }
    }

    @Test
    void aMultiByteCharacterSplitAcrossFragmentsIsValidUtf8() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            byte[] message = "{\"type\":\"ping\",\"id\":\"caf\u00e9-\u20ac\"}".getBytes(StandardCharsets.UTF_8);
            // one byte into the euro sign's three
            int split = "{\"type\":\"ping\",\"id\":\"caf\u00e9-".getBytes(StandardCharsets.UTF_8).length + 1;
            ws.sendFrame(RawWebSocket.OP_TEXT, false, java.util.Arrays.copyOfRange(message, 0, split));
            ws.sendFrame(RawWebSocket.OP_CONTINUATION, true, java.util.Arrays.copyOfRange(message, split, message.length));

            JsonNode pong = JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text());
            assertThat(pong.path("id").asText()).isEqualTo("caf\u00e9-\u20ac");
        }
    }

    @Test
    void aMessageAtTheLimitCountsBytesNotCharacters() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            String head = "{\"type\":\"ping\",\"id\":\"bytes\",\"payload\":{\"pad\":\"";
            String tail = "\"}}";
            int room = MAX_BYTES - head.length() - tail.length();
            String atLimit = head + "\u00e9".repeat(room / 2) + "a".repeat(room % 2) + tail; // 2 bytes per character
            assertThat(atLimit.getBytes(StandardCharsets.UTF_8)).hasSize(MAX_BYTES);
            ws.sendText(atLimit);
            assertThat(JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text()).path("id").asText()).isEqualTo("bytes");

            String over = head + "\u00e9".repeat(room / 2 + 1) + tail; // fewer characters than bytes: still over
            assertThat(over.length()).isLessThan(MAX_BYTES + 1);
            ws.sendText(over);
            assertThat(ws.awaitCloseCode()).isEqualTo(1009);
        }
    }

    // ---- content --------------------------------------------------------------------------------

    @Test
    void invalidUtf8TextIsClosedWith1007() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            ws.sendFrame(RawWebSocket.OP_TEXT, true, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});

            assertThat(ws.awaitCloseCode()).isEqualTo(1007);
            assertClosedAndReleased(ws, 1007);
        }
    }

    @Test
    void aBinaryFrameIsClosedWith1003() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            ws.sendFrame(RawWebSocket.OP_BINARY, true, new byte[] {1, 2, 3});

            assertThat(ws.awaitCloseCode()).isEqualTo(1003);
            assertClosedAndReleased(ws, 1003);
        }
    }

    // ---- inbound rate -----------------------------------------------------------------------------

    @Test
    void messagesWithinTheInboundBurstAreAllHandled() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            for (int i = 0; i < 150; i++) {
                ws.sendText("{\"type\":\"ping\",\"id\":\"" + i + "\"}");
            }
            for (int i = 0; i < 150; i++) {
                RawWebSocket.Frame f = ws.readUntil(RawWebSocket.OP_TEXT);
                assertThat(JSON.readTree(f.text()).path("id").asText()).isEqualTo(Integer.toString(i));
            }
        }
    }

    @Test
    void exceedingTheInboundRateAndBurstIsClosedWith1008() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            for (int i = 0; i < 160; i++) {
                ws.sendText("{\"type\":\"ping\",\"id\":\"" + i + "\"}");
            }

            assertThat(ws.awaitCloseCode()).isEqualTo(1008);
            assertClosedAndReleased(ws, 1008);
        }
    }

    // ---- dispatch ---------------------------------------------------------------------------------

    @Test
    void anUnknownTypeGetsUnknownTypeEchoingTheIdAndTheConnectionStaysOpen() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "teleport", "id", "u1"));

        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("UNKNOWN_TYPE");
        assertThat(error.path("id").asText()).isEqualTo("u1");
        alice.sendJson(Map.of("type", "ping", "id", "still-there"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("still-there");
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void aTypedHandlerReceivesTheBoundPayloadAndTheIdentityOfTheUpgrade() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "move", "id", "m1", "payload", Map.of("x", 3, "y", -4)));

        JsonNode moved = alice.awaitType("moved");
        assertThat(moved.path("id").asText()).isEqualTo("m1");
        assertThat(moved.path("payload").path("x").asInt()).isEqualTo(3);
        assertThat(moved.path("payload").path("y").asInt()).isEqualTo(-4);
        assertThat(moved.path("payload").path("by").asText()).isEqualTo("alice");
    }

    @Test
    void aPayloadThatDoesNotBindGetsInvalidPayloadAndTheConnectionStaysOpen() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "move", "id", "m2", "payload", Map.of("x", "north", "y", 1)));

        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("INVALID_PAYLOAD");
        assertThat(error.path("id").asText()).isEqualTo("m2");
        assertThat(error.path("payload").path("message").asText()).doesNotContain("north");
        alice.sendJson(Map.of("type", "move", "id", "m3", "payload", Map.of("x", 1, "y", 1)));
        assertThat(alice.awaitType("moved").path("id").asText()).isEqualTo("m3");
    }

    @Test
    void anEventWithoutPayloadForATypedHandlerGetsInvalidPayload() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "move", "id", "m4"));

        JsonNode error = alice.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("INVALID_PAYLOAD");
        assertThat(error.path("id").asText()).isEqualTo("m4");
    }

    @Test
    void aHandlerThrowingCloseConnectionClosesWithItsCode() {
        TestClient alice = server.connect("alice", "");
        alice.sendJson(Map.of("type", "refuse", "payload", Map.of("n", 1)));

        assertThat(alice.awaitClose()).isEqualTo(1008);
        assertThat(listener.awaitClosed().code()).isEqualTo(1008);
    }

    @Test
    void aHandlerThrowingARuntimeExceptionClosesWith1011AndIsLoggedExactlyOnce() {
        try (LogCapture logs = LogCapture.start()) {
            TestClient alice = server.connect("alice", "");
            alice.sendJson(Map.of("type", "boom", "payload", Map.of("n", 1)));

            assertThat(alice.awaitClose()).isEqualTo(1011);
            assertThat(listener.awaitClosed().code()).isEqualTo(1011);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
            assertThat(logs.lines()).filteredOn(l -> l.contains("boom-marker-7f3a")).hasSize(1);
            assertThat(logs.events()).filteredOn(e -> e.getLevel() == Level.ERROR).hasSize(1);
        }
    }

    @Test
    void handlersRunInArrivalOrderOnTheConnectionsOwnVirtualThread() {
        TestClient alice = server.connect("alice", "");
        int n = 100;
        for (int i = 0; i < n; i++) {
            alice.sendJson(Map.of("type", "seq", "payload", Map.of("n", i)));
        }
        for (int i = 0; i < n; i++) {
            assertThat(alice.awaitType("seq-ok").path("payload").path("n").asInt()).isEqualTo(i);
        }

        List<String> snapshot = List.copyOf(seen);
        assertThat(snapshot).hasSize(n);
        String thread = snapshot.get(0).substring(snapshot.get(0).indexOf('@') + 1);
        assertThat(thread).startsWith("roomcast-connection-").endsWith("(true)");
        for (int i = 0; i < n; i++) {
            assertThat(snapshot.get(i)).isEqualTo(i + "@" + thread);
        }
    }

    @Test
    void aBlockingHandlerStallsOnlyItsOwnConnection() {
        TestClient alice = server.connect("alice", "");
        TestClient bob = server.connect("bob", "");
        alice.sendJson(Map.of("type", "hold", "payload", Map.of("n", 1)));
        alice.sendJson(Map.of("type", "ping", "id", "after-hold"));

        bob.sendJson(Map.of("type", "ping", "id", "bob"));
        assertThat(bob.awaitType("pong").path("id").asText()).isEqualTo("bob");
        alice.assertNoMoreMessages(Duration.ofMillis(200));

        release.countDown();
        assertThat(alice.awaitType("held").path("payload").path("n").asInt()).isEqualTo(1);
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("after-hold");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A {@code ping} envelope padded to exactly {@code bytes} UTF-8 bytes. */
    private static String pingOfExactly(int bytes, String id) {
        String head = "{\"type\":\"ping\",\"id\":\"" + id + "\",\"payload\":{\"pad\":\"";
        String tail = "\"}}";
        String text = head + "a".repeat(bytes - head.length() - tail.length()) + tail;
        assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return text;
    }

    private static void sendInThreeFragments(RawWebSocket ws, byte[] message) throws IOException {
        int third = message.length / 3;
        ws.sendFrame(RawWebSocket.OP_TEXT, false, java.util.Arrays.copyOfRange(message, 0, third));
        ws.sendFrame(RawWebSocket.OP_CONTINUATION, false, java.util.Arrays.copyOfRange(message, third, 2 * third));
        ws.sendFrame(RawWebSocket.OP_CONTINUATION, true, java.util.Arrays.copyOfRange(message, 2 * third, message.length));
    }

    /**
     * After the server's close frame: the client answers it (and keeps its socket open), and the
     * server then ends the TCP connection at once (RFC 6455 §7.1.1; well within its 3 s grace for
     * clients that never answer), tells the listener the code once, and leaves the hub.
     */
    private void assertClosedAndReleased(RawWebSocket ws, int code) throws IOException {
        long answered = System.nanoTime();
        ws.sendClose(code);
        assertThat(ws.awaitEof()).as("the server ends the connection").isTrue();
        assertThat(listener.awaitClosed().code()).isEqualTo(code);
        assertThat(Duration.ofNanos(System.nanoTime() - answered)).as("time to end the connection after the answer")
                .isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
        listener.assertNoMore(RecordingListener.Closed.class, Duration.ofMillis(100));
    }
}
