package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Heartbeats with short periods: silent clients are closed within a bound, live ones stay, pings are answered. */
@Timeout(30)
class HeartbeatIT {
    private static final Duration PING_PERIOD = Duration.ofMillis(200);
    private static final Duration PONG_WAIT = Duration.ofMillis(600);
    /** Scheduling slack on a busy 2-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(400);

    /** The payload of {@code hold}. */
    record Hold(int n) {
    }

    private final RecordingListener listener = new RecordingListener();
    /** Holds the {@code hold} handler until the test releases it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private TestServer server;

    @BeforeEach
    void start() {
        EventRouter router = EventRouter.builder()
                .on("hold", Hold.class, (ctx, hold) -> {
                    if (!release.await(5, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released the hold");
                    }
                    ctx.reply("held", Map.of("n", hold.n()));
                })
                .build();
        server = TestServer.builder()
                .router(router)
                .config(RoomcastConfig.builder().pingPeriod(PING_PERIOD).pongWait(PONG_WAIT).presenceEnabled(false)
                        .workerCount(2).jobQueueSize(64).build())
                .listener(listener)
                .start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    @Test
    void aClientThatNeverAnswersPingsIsClosedWithinPongWaitAndOnePeriod() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            long upgraded = System.nanoTime();
            int pings = 0;
            RawWebSocket.Frame frame;
            for (int i = 0; i < 100; i++) { // the server pings every 200 ms; a 600 ms wait allows ~4
                frame = ws.readFrame();
                if (frame.opcode() == RawWebSocket.OP_PING) {
                    pings++; // and never answered
                } else {
                    assertThat(frame.opcode()).as("only pings, then the close").isEqualTo(RawWebSocket.OP_CLOSE);
                    Duration silent = Duration.ofNanos(System.nanoTime() - upgraded);
                    assertThat(frame.closeCode()).isEqualTo(1001);
                    assertThat(pings).as("pings sent before giving up").isGreaterThanOrEqualTo(2);
                    assertThat(silent).as("closed no earlier than pongWait")
                            .isGreaterThanOrEqualTo(PONG_WAIT.minusMillis(50));
                    assertThat(silent).as("closed within pongWait + one period")
                            .isLessThanOrEqualTo(PONG_WAIT.plus(PING_PERIOD).plus(MARGIN));
                    assertThat(listener.awaitClosed().code()).isEqualTo(1001);
                    await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
                    return;
                }
            }
            throw new AssertionError("expected a close frame after at most 100 frames");
        }
    }

    @Test
    void aClientThatAnswersPingsStaysOpenAcrossSeveralPeriods() {
        TestClient alice = server.connect("alice", "");

        // A quiet window of five periods (over twice pongWait) in which only pings may arrive.
        alice.assertNoMoreMessages(PING_PERIOD.multipliedBy(5));

        assertThat(alice.pingsReceived()).as("pings answered by the JDK client").isGreaterThanOrEqualTo(3);
        assertThat(alice.isClosed()).isFalse();
        alice.sendJson(Map.of("type", "ping", "id", "alive"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("alive");
        assertThat(server.hub().activeConnectionCount()).isEqualTo(1);
    }

    @Test
    void aLiveClientIsNotClosedWhileTheServerItselfHasStoppedReadingBehindASlowHandler() {
        TestClient alice = server.connect("alice", "");
        int queued = 100; // more than the inbox holds before the server stops reading the socket
        alice.sendJson(Map.of("type", "hold", "payload", Map.of("n", 1)));
        for (int i = 0; i < queued; i++) {
            alice.sendJson(Map.of("type", "ping", "id", "p" + i));
        }

        // Longer than pongWait + one period: the client answers every ping, but its pongs wait in
        // the socket behind the messages the server is not reading yet.
        alice.assertNoMoreMessages(PONG_WAIT.plus(PING_PERIOD).plus(MARGIN));
        release.countDown();

        assertThat(alice.awaitType("held").path("payload").path("n").asInt()).isEqualTo(1);
        for (int i = 0; i < queued; i++) {
            assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("p" + i);
        }
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void aClientPingIsAnsweredWithAPongCarryingTheSamePayload() throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws", "alice")) {
            byte[] payload = "are-you-there-42".getBytes(StandardCharsets.UTF_8);
            ws.sendFrame(RawWebSocket.OP_PING, true, payload);

            RawWebSocket.Frame pong = ws.readUntil(RawWebSocket.OP_PONG);
            assertThat(pong.payload()).isEqualTo(payload);
        }
    }
}
