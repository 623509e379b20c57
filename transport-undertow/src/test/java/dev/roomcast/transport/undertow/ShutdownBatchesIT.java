package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Graceful shutdown closes connections in jittered batches over the drain window, each after its
 * queued frames, and tells every client when to reconnect with {@code reconnectAfterMs}.
 */
@Timeout(60)
class ShutdownBatchesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 50;
    private static final int QUEUED = 20;
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final int BATCHES = 10;
    private static final double SPREAD = 0.8;
    private static final Duration RECONNECT_WINDOW = Duration.ofSeconds(1);

    /** When the server reported each connection closed, with its code. */
    private record Close(long atNanos, int code) {
    }

    private final ConcurrentLinkedQueue<Close> closes = new ConcurrentLinkedQueue<>();
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private List<TestClient> startAndConnect(int batches) throws Exception {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().presenceEnabled(false).workerCount(2).jobQueueSize(64)
                        .shutdownBatches(batches).shutdownSpread(SPREAD).shutdownReconnectWindow(RECONNECT_WINDOW).build())
                .listener(new ConnectionListener() {
                    @Override
                    public void onClosed(Peer peer, int code, String reason, Duration lifetime) {
                        closes.add(new Close(System.nanoTime(), code));
                    }
                })
                .start();
        List<TestClient> clients = server.connectMany(CLIENTS, 16, i -> "user-" + i, i -> "?room=r" + (i % 5));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().registrationCount() == CLIENTS);
        for (TestClient c : clients) {
            c.awaitType("joined");
        }
        return clients;
    }

    @Test
    void closesAreSpreadInBatchesOverTheDrainWindowAndEndBeforeTheDeadline() throws Exception {
        List<TestClient> clients = startAndConnect(BATCHES);
        // Frames queued just before the shutdown must still reach every client before its close.
        for (int n = 0; n < QUEUED; n++) {
            for (int r = 0; r < 5; r++) {
                RoomName room = RoomName.of("r" + r);
                server.hub().broadcastRoom(room, Envelope.toRoom("message", room, JSON.createObjectNode().put("n", n)),
                        Optional.empty()).get(5, TimeUnit.SECONDS);
            }
        }

        long started = System.nanoTime();
        Hub.ShutdownResult result = server.server().shutdown(DEADLINE, new SplittableRandom(16));
        long took = System.nanoTime() - started;

        assertThat(result).isEqualTo(new Hub.ShutdownResult(CLIENTS, 0));
        assertThat(Duration.ofNanos(took)).isLessThan(DEADLINE.plusMillis(250));
        await().atMost(Duration.ofSeconds(5)).until(() -> closes.size() == CLIENTS);
        assertThat(closes).hasSize(CLIENTS).allSatisfy(c -> {
            assertThat(c.code()).isEqualTo(1001);
            assertThat(Duration.ofNanos(c.atNanos() - started)).as("closed before the deadline").isLessThan(DEADLINE);
        });
        // Ten slices of the spread window: batches of 10% each, a slice may catch two when jitter meets.
        long window = (long) (DEADLINE.toNanos() * SPREAD);
        int[] perSlice = new int[10];
        for (Close c : closes) {
            perSlice[(int) Math.min(9, (c.atNanos() - started) * 10 / window)]++;
        }
        assertThat(java.util.stream.IntStream.of(perSlice).boxed().toList())
                .as("closes per tenth of the %s spread window", Duration.ofNanos(window))
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(CLIENTS / 4));
        assertThat(closes.stream().mapToLong(c -> c.atNanos() - started).max().orElseThrow())
                .as("the last batch closes late in the window").isGreaterThan(window * 8 / 10);

        long maxHintMs = window / 1_000_000 + RECONNECT_WINDOW.toMillis() + 1;
        for (TestClient c : clients) {
            for (int n = 0; n < QUEUED; n++) {
                assertThat(c.awaitType("message").path("payload").path("n").asInt()).isEqualTo(n);
            }
            JsonNode shutdown = c.next();
            assertThat(shutdown.path("type").asText()).isEqualTo("shutdown");
            assertThat(shutdown.path("payload").path("reason").asText()).isEqualTo("server shutting down");
            assertThat(shutdown.path("payload").path("reconnectAfterMs").isIntegralNumber()).isTrue();
            assertThat(shutdown.path("payload").path("reconnectAfterMs").asLong()).isBetween(0L, maxHintMs);
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
    }

    @Test
    void oneBatchClosesEveryConnectionAtOnce() throws Exception {
        List<TestClient> clients = startAndConnect(1);

        long started = System.nanoTime();
        Hub.ShutdownResult result = server.server().shutdown(DEADLINE, new SplittableRandom(16));

        assertThat(result).isEqualTo(new Hub.ShutdownResult(CLIENTS, 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> closes.size() == CLIENTS);
        assertThat(closes).hasSize(CLIENTS).allSatisfy(c -> assertThat(Duration.ofNanos(c.atNanos() - started))
                .as("closed right away").isLessThan(Duration.ofMillis(500)));
        for (TestClient c : clients) {
            assertThat(c.awaitType("shutdown").path("payload").path("reconnectAfterMs").asLong())
                    .isBetween(0L, RECONNECT_WINDOW.toMillis());
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
    }
}
