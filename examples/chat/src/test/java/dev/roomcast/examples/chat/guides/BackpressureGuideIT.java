package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code of the "Backpressure and slow consumers" guide: a member that stops reading, next to one
 * that keeps up, under each {@link SendBehavior}; and the inbound limits, sent over a raw socket.
 */
@Timeout(60)
class BackpressureGuideIT {
    private static final RoomName ROOM = RoomName.of("ticker");
    /** Large frames, so a member that stops reading fills its socket buffers and then its send queue quickly. */
    private static final String BULK = "x".repeat(128 * 1024);
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final int SLOW_RECEIVE_BUFFER = 32 * 1024;
    /** Far more than the socket buffers and a 16-frame send queue hold. */
    private static final int MAX_FILL_BROADCASTS = 1_000;

    private GuideServer server;
    private final List<RawWebSocket> raws = new ArrayList<>();

    /** The payload of the guide's {@code work} event. */
    record Work(int n) {
    }

    @AfterEach
    void stop() throws IOException {
        for (RawWebSocket raw : raws) {
            raw.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * A member of {@link #ROOM} that never reads a byte. Its receive buffer is small and fixed before
     * connecting, so the TCP window cannot grow and the server's writes to it stall for good.
     */
    private RawWebSocket slowMember(String subject) throws IOException {
        RawWebSocket raw = RawWebSocket.open(server.port(), SLOW_RECEIVE_BUFFER);
        raws.add(raw);
        assertThat(raw.upgrade("/ws?room=" + ROOM, server.bearer(subject)).status()).isEqualTo(101);
        return raw;
    }

    /** A member that connected with a raw socket and reads its frames itself. */
    private RawWebSocket rawMember(String query) throws IOException {
        RawWebSocket raw = RawWebSocket.open(server.port());
        raws.add(raw);
        assertThat(raw.upgrade("/ws" + query, server.bearer("raw")).status()).isEqualTo(101);
        return raw;
    }

    private BroadcastResult broadcastBulk() throws Exception {
        return server.hub().broadcastRoom(ROOM,
                Envelope.toRoom("bulk", ROOM, JsonNodeFactory.instance.textNode(BULK)), Optional.empty())
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * Broadcasts bulk frames until a result matches. The member that keeps up reads each frame before
     * the next one is sent, so it receives every frame and only the member that stopped reading falls
     * behind, however loaded the machine is.
     */
    private BroadcastResult fillUntil(Predicate<BroadcastResult> done, TestClient fast) throws Exception {
        return fillUntilTimed(done, fast).result();
    }

    /** {@link #fillUntil}, also reporting how long the matching broadcast took. */
    private Timed fillUntilTimed(Predicate<BroadcastResult> done, TestClient fast) throws Exception {
        for (int sent = 1; sent <= MAX_FILL_BROADCASTS; sent++) {
            long started = System.nanoTime();
            BroadcastResult result = broadcastBulk();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(fast.awaitType("bulk").path("payload").asText()).hasSize(BULK.length());
            if (done.test(result)) {
                return new Timed(result, took);
            }
        }
        throw new AssertionError("no broadcast matched after " + MAX_FILL_BROADCASTS + " broadcasts");
    }

    private record Timed(BroadcastResult result, Duration took) {
    }

    // ---- outbound: SendBehavior ----------------------------------------------------------------

    @Test
    void underDropTheSlowMemberMissesFramesAndTheOthersGetEveryOne() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder()
                .sendQueueSize(16).sendBehavior(SendBehavior.DROP).presenceEnabled(false));
        TestClient fast = server.connect("fast", "?room=" + ROOM);
        fast.awaitType("joined");
        slowMember("slow");

        BroadcastResult result = fillUntil(r -> r.dropped() > 0, fast);

        assertThat(result).isEqualTo(new BroadcastResult(2, 1, 1, 0, 0, Optional.empty()));
        assertThat(result.fullyDelivered()).isFalse();
        assertThat(server.hub().activeConnectionCount()).isEqualTo(2);
    }

    @Test
    void underCloseTheSlowMemberIsClosedWith1013AndTheOthersGetEveryFrame() throws Exception {
        // snippet:backpressure-config
        RoomcastConfig.Builder config = RoomcastConfig.builder()
                .sendQueueSize(16)                    // frames that may wait for one connection's writer
                .sendBehavior(SendBehavior.CLOSE);    // a member whose queue is full is closed with 1013
        // end-snippet
        server = GuideServer.start(config.presenceEnabled(false));
        TestClient fast = server.connect("fast", "?room=" + ROOM);
        fast.awaitType("joined");
        RawWebSocket slow = slowMember("slow");

        BroadcastResult result = fillUntil(r -> r.closed() > 0, fast);

        assertThat(result).isEqualTo(new BroadcastResult(2, 1, 0, 1, 0, Optional.empty()));
        // When the slow member finally reads, what was already written is followed by a 1013 close.
        assertThat(slow.readUntil(RawWebSocket.OP_CLOSE).closeCode()).isEqualTo(1013);
        await().atMost(WAIT).until(() -> server.hub().activeConnectionCount() == 1);
    }

    @Test
    void underBlockASendWaitsUpToSendTimeoutThenCountsATimeoutAndKeepsTheMember() throws Exception {
        Duration sendTimeout = Duration.ofMillis(200);
        server = GuideServer.start(RoomcastConfig.builder()
                .sendQueueSize(16).sendBehavior(SendBehavior.BLOCK).sendTimeout(sendTimeout).presenceEnabled(false));
        TestClient fast = server.connect("fast", "?room=" + ROOM);
        fast.awaitType("joined");
        slowMember("slow");

        Timed blocked = fillUntilTimed(r -> r.timedOut() > 0, fast);

        assertThat(blocked.result()).isEqualTo(new BroadcastResult(2, 1, 0, 0, 1, Optional.empty()));
        assertThat(blocked.took()).isGreaterThanOrEqualTo(sendTimeout);
        assertThat(server.hub().activeConnectionCount()).isEqualTo(2);
    }

    @Test
    void aBroadcastRefusedBecauseTheJobQueueIsFullIsReportedAndEnqueuesNothing() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder()
                .workerCount(1).jobQueueSize(1)
                .sendQueueSize(16).sendBehavior(SendBehavior.BLOCK).sendTimeout(Duration.ofSeconds(1))
                .presenceEnabled(false));
        TestClient fast = server.connect("fast", "?room=" + ROOM);
        fast.awaitType("joined");
        slowMember("slow");
        fillUntil(r -> r.timedOut() > 0, fast);

        // The one lane is now held up to a second per broadcast by the slow member; its queue holds one job.
        List<CompletableFuture<BroadcastResult>> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            results.add(server.hub().broadcastRoom(ROOM,
                    Envelope.toRoom("bulk", ROOM, JsonNodeFactory.instance.textNode("small")), Optional.empty()));
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(results).map(CompletableFuture::join)
                .contains(BroadcastResult.rejected(BroadcastResult.Rejection.JOB_QUEUE_FULL));
    }

    // ---- inbound limits ------------------------------------------------------------------------

    @Test
    void aMessageOverMaxMessageBytesIsClosedWith1009CountingAllItsFragments() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder().maxMessageBytes(1024));
        RawWebSocket atLimit = rawMember("");
        String ping = "{\"type\":\"ping\",\"id\":\"at-limit\",\"payload\":\"";
        byte[] exactly = (ping + "a".repeat(1024 - ping.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(exactly).hasSize(1024);
        atLimit.sendFrame(RawWebSocket.OP_TEXT, false, java.util.Arrays.copyOfRange(exactly, 0, 600));
        atLimit.sendFrame(RawWebSocket.OP_CONTINUATION, true, java.util.Arrays.copyOfRange(exactly, 600, 1024));
        assertThat(atLimit.readUntil(RawWebSocket.OP_TEXT).text()).contains("\"type\":\"pong\"", "at-limit");

        RawWebSocket over = rawMember("");
        over.sendFrame(RawWebSocket.OP_TEXT, false, new byte[600]);
        over.sendFrame(RawWebSocket.OP_CONTINUATION, true, new byte[600]);
        assertThat(over.readUntil(RawWebSocket.OP_CLOSE).closeCode()).isEqualTo(1009);
    }

    @Test
    void invalidUtf8IsClosedWith1007AndBinaryFramesWith1003() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder());
        RawWebSocket invalid = rawMember("");
        invalid.sendFrame(RawWebSocket.OP_TEXT, true, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        assertThat(invalid.readUntil(RawWebSocket.OP_CLOSE).closeCode()).isEqualTo(1007);

        RawWebSocket binary = rawMember("");
        binary.sendFrame(RawWebSocket.OP_BINARY, true, new byte[] {1, 2, 3});
        assertThat(binary.readUntil(RawWebSocket.OP_CLOSE).closeCode()).isEqualTo(1003);
    }

    @Test
    void aClientSendingFasterThanTheInboundRateIsClosedWith1008() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder().inboundRatePerSecond(1).inboundBurst(5));
        RawWebSocket flood = rawMember("");
        for (int i = 0; i < 10; i++) {
            flood.sendText("{\"type\":\"ping\",\"id\":\"" + i + "\"}");
        }
        RawWebSocket.Frame close = flood.readUntil(RawWebSocket.OP_CLOSE);
        assertThat(close.closeCode()).isEqualTo(1008);
    }

    @Test
    void messagesThatArriveWhileAHandlerIsBusyAreAllHandledInOrderAfterwards() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        EventRouter router = EventRouter.builder()
                .on("work", Work.class, (ctx, work) -> {
                    if (work.n() == 0) {
                        release.await(5, TimeUnit.SECONDS); // a handler that falls behind
                    }
                    ctx.reply("done", Map.of("n", work.n()));
                })
                .build();
        server = GuideServer.start(RoomcastConfig.builder().inboundBurst(1000), router);
        TestClient client = server.connect("alice", "");

        int count = 300; // well past the inbox depth at which reading pauses
        for (int n = 0; n < count; n++) {
            client.sendJson(Map.of("type", "work", "payload", Map.of("n", n)));
        }
        release.countDown();

        for (int n = 0; n < count; n++) {
            assertThat(client.awaitType("done").path("payload").path("n").asInt()).isEqualTo(n);
        }
        assertThat(client.isClosed()).isFalse();
    }
}
