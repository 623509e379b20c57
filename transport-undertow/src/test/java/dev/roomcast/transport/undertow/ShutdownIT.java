package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.LogCapture;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Graceful shutdown with many clients, refusals during it, and idempotent stopping. */
@Timeout(60)
class ShutdownIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 500;
    private static final RoomName STAGE = RoomName.of("stage");
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private final RecordingListener listener = new RecordingListener();
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().presenceEnabled(false).workerCount(2).jobQueueSize(64).build())
                .listener(listener)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Connects {@code count} JDK clients over 10 rooms, 16 handshakes at a time. */
    private List<TestClient> connectMany(int count) throws Exception {
        List<TestClient> clients = server.connectMany(count, 16, i -> "user-" + i, i -> "?room=r" + (i % 10));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == count);
        return clients;
    }

    @Test
    void shutdownTellsEveryClientAndClosesItWith1001BeforeTheDeadline() throws Exception {
        List<TestClient> clients = connectMany(CLIENTS);

        long started = System.nanoTime();
        Hub.ShutdownResult result;
        try (LogCapture logs = LogCapture.start()) {
            result = server.server().shutdown(DEADLINE);
            assertThat(logs.events()).as("no warning or error while shutting down")
                    .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(DEADLINE);
        assertThat(result.notified()).isEqualTo(CLIENTS);
        assertThat(result.forced()).as("closed only at the deadline").isZero();
        assertThat(server.hub().activeConnectionCount()).isZero();
        for (TestClient c : clients) {
            // The shutdown event is queued before the close, so it was received first.
            assertThat(c.awaitType("shutdown").path("payload").path("reason").asText()).isNotEmpty();
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
        assertThat(listener.historyOf(RecordingListener.Closed.class)).hasSize(CLIENTS)
                .allSatisfy(closed -> assertThat(closed.code()).isEqualTo(1001));
    }

    @Test
    void aHandshakeDuringShutdownIsRefusedWithShuttingDown() throws Exception {
        // A client that never answers the close keeps the shutdown busy for the server's close grace.
        // (It returns as soon as it reads the 101, which is often before the server has attached the
        // upgraded channel: shutdown then meets a connection without a channel, which must still get
        // its shutdown notice and 1001 once attached instead of being dropped from the hub unannounced.)
        RawWebSocket stubborn = RawWebSocket.connect(server.port(), "/ws?room=lobby", "stubborn");
        CompletableFuture<Hub.ShutdownResult> shutdown =
                CompletableFuture.supplyAsync(() -> server.server().shutdown(DEADLINE));
        await().atMost(Duration.ofSeconds(5)).until(() -> !server.hub().isRunning());

        try (RawWebSocket late = RawWebSocket.open(server.port())) {
            RawWebSocket.Response response = late.upgrade("/ws", Map.of("Authorization", "Bearer valid:late"));
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body()).contains("\"code\":\"" + ErrorCode.SHUTTING_DOWN.name() + "\"");
        }
        assertThat(shutdown.get(DEADLINE.toSeconds() + 1, TimeUnit.SECONDS).notified()).isEqualTo(1);
        List<String> types = new ArrayList<>();
        RawWebSocket.Frame frame;
        while ((frame = stubborn.readFrame()).opcode() == RawWebSocket.OP_TEXT && types.size() < 10) {
            types.add(JSON.readTree(frame.text()).path("type").asText());
        }
        assertThat(types).containsExactly("joined", "shutdown");
        assertThat(frame.closeCode()).isEqualTo(1001);
        assertThat(listener.history().getLast()).as("opened before closed").isInstanceOf(RecordingListener.Closed.class);
        stubborn.close();
    }

    @Test
    void aClientThatCannotDrainIsClosedAtTheDeadline() throws Exception {
        TestClient fast = server.connect("fast", "?room=stage");
        fast.awaitType("joined");
        RawWebSocket slow = RawWebSocket.open(server.port(), 4096);
        assertThat(slow.upgrade("/ws?room=stage", Map.of("Authorization", "Bearer valid:slow")).status()).isEqualTo(101);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().roomCount(STAGE) == 2);
        // 200 x 32 KB: more than the slow client's socket buffers take, less than its queue of 256.
        String pad = "x".repeat(32 * 1024);
        for (int n = 0; n < 200; n++) {
            server.hub().broadcastRoom(STAGE, Envelope.toRoom("message",
                    STAGE, JSON.createObjectNode().put("n", n).put("pad", pad)),
                    Optional.empty()).get(5, TimeUnit.SECONDS);
        }
        for (int n = 0; n < 200; n++) {
            fast.awaitType("message");
        }

        Duration deadline = Duration.ofMillis(500);
        long started = System.nanoTime();
        Hub.ShutdownResult result = server.server().shutdown(deadline);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(result.notified()).isEqualTo(2);
        assertThat(result.forced()).as("the slow client could not drain in time").isEqualTo(1);
        assertThat(took).isLessThan(deadline.plusSeconds(2));
        assertThat(fast.awaitClose()).isEqualTo(1001);
        assertThat(slow.awaitEof()).as("the slow client's connection is ended").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.historyOf(RecordingListener.Closed.class).size() == 2);
        slow.close();
    }

    @Test
    void stopClosesConnectedClientsWith1001WithoutLoggingErrors() throws Exception {
        List<TestClient> clients = connectMany(50);

        try (LogCapture logs = LogCapture.start()) {
            server.server().stop();
            for (TestClient c : clients) {
                assertThat(c.awaitClose()).isEqualTo(1001);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
            assertThat(logs.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        }
    }

    @Test
    void stoppingAndShuttingDownTwiceIsHarmless() throws IOException {
        int port = server.port();
        Hub.ShutdownResult first = server.server().shutdown(DEADLINE);
        Hub.ShutdownResult second = server.server().shutdown(DEADLINE);
        server.server().stop();
        server.server().stop();

        assertThat(first.notified()).isZero();
        assertThat(second).isEqualTo(new Hub.ShutdownResult(0, 0));
        assertThatThrownBy(() -> RawWebSocket.open(port)).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> server.server().start()).isInstanceOf(IllegalStateException.class);
    }
}
