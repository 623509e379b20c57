package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestServer;
import dev.roomcast.transport.undertow.testing.CountingListener;
import dev.roomcast.transport.undertow.testing.ThreadCensus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection churn: 10,000 connect → join → close cycles over raw sockets, 8 at a time, ending in
 * every way a connection can end (close handshake started by the client, TCP dropped without a
 * close frame). Afterwards nothing may be left: no connection or registration in the hub, no
 * room, no connection thread, and every open matched by exactly one close report.
 */
@Timeout(120)
class ChurnIT {
    private static final int CYCLES = 10_000;
    private static final int PARALLEL = 8;
    private static final String THREAD_PREFIX = "roomcast-connection-";

    private final CountingListener counting = new CountingListener();
    private TestServer server;

    @BeforeEach
    void start() {
        // Join rate limits are per connection, so one join per connection never meets them.
        server = TestServer.builder()
                .config(RoomcastConfig.builder().workerCount(2).jobQueueSize(1024).build())
                .listener(counting)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void tenThousandConnectJoinCloseCyclesLeaveNothingBehind() throws Exception {
        int threadsBefore = ThreadCensus.countNamed(THREAD_PREFIX);
        long started = System.nanoTime();

        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < PARALLEL; w++) {
                int worker = w;
                workers.add(pool.submit(() -> {
                    for (int i = worker; i < CYCLES; i += PARALLEL) {
                        cycle(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get(100, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("ChurnIT: %d cycles in %d ms (%.0f/s)%n", CYCLES, took.toMillis(),
                CYCLES * 1000.0 / Math.max(1, took.toMillis()));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(server.hub().activeConnectionCount()).as("connections in the hub").isZero();
            assertThat(server.hub().registrationCount()).as("room registrations").isZero();
            assertThat(server.hub().rooms()).as("rooms").isEmpty();
            assertThat(counting.closed.get()).as("close reports").isEqualTo(CYCLES);
        });
        assertThat(counting.opened.get()).isEqualTo(CYCLES);
        assertThat(counting.rejected.get()).isZero();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> ThreadCensus.countNamed(THREAD_PREFIX) == threadsBefore);
    }

    /**
     * One cycle. Even cycles join at the upgrade, odd ones with a join event; three in four end
     * with a close handshake the client starts, one in four drop the TCP connection without one.
     */
    private void cycle(int i) throws Exception {
        String room = "churn-" + (i % 16);
        boolean joinAtUpgrade = i % 2 == 0;
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), joinAtUpgrade ? "/ws?room=" + room : "/ws",
                "user-" + i)) {
            if (!joinAtUpgrade) {
                ws.sendText("{\"type\":\"join\",\"room\":\"" + room + "\",\"id\":\"j" + i + "\"}");
            }
            String joined = ws.readUntil(RawWebSocket.OP_TEXT).text(); // presence events of others may come first
            for (int skip = 0; skip < 100 && !joined.contains("\"joined\""); skip++) {
                joined = ws.readUntil(RawWebSocket.OP_TEXT).text();
            }
            assertThat(joined).contains("\"type\":\"joined\"");
            if (i % 4 != 3) {
                ws.sendClose(1000);
                assertThat(ws.awaitCloseCode()).isEqualTo(1000);
                assertThat(ws.awaitEof()).as("the server ends the connection after the close handshake").isTrue();
            }
        } // the last quarter: closing the socket without a close frame
    }
}
