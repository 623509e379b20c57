package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.Envelope;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that stopped reading cannot hold a graceful shutdown hostage: at the deadline its drained
 * close is abandoned and the connection is cut, while a client that reads gets its shutdown event and
 * 1001 as usual.
 */
@Timeout(60)
class ShutdownDeadlineIT {
    private static final RoomName ROOM = RoomName.of("stage");
    private static final String PAD = "y".repeat(32 * 1024);

    private TestServer server;
    private RawWebSocket stuck;

    @AfterEach
    void stop() throws IOException {
        if (stuck != null) {
            stuck.close();
        }
        server.close();
    }

    @Test
    void aClientThatStoppedReadingIsCutAtTheShutdownDeadline() throws Exception {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().sendQueueSize(4).sendBehavior(SendBehavior.DROP).presenceEnabled(false).build())
                .start();
        TestClient reader = server.connect("reader", "?room=stage");
        reader.awaitType("joined");
        stuck = RawWebSocket.open(server.port(), 4096);
        assertThat(stuck.upgrade("/ws?room=stage", Map.of("Authorization", "Bearer valid:stuck")).status()).isEqualTo(101);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().roomCount(ROOM) == 2);

        // Fill the stuck client's socket buffers and then its queue: broadcasts until one is dropped for it.
        Hub hub = server.hub();
        boolean dropped = false;
        for (int i = 0; i < 2_000 && !dropped; i++) {
            var payload = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("n", i).put("pad", PAD);
            dropped = hub.broadcastRoom(ROOM, Envelope.toRoom("tick", ROOM, payload), Optional.empty()).get().dropped() > 0;
            reader.awaitType("tick");
        }
        assertThat(dropped).as("the stuck client's queue overflowed").isTrue();

        long started = System.nanoTime();
        // The hub's shutdown alone, with Undertow still running: the cut must come from the deadline,
        // not from the listener being torn down afterwards.
        Hub.ShutdownResult result = hub.shutdown(Duration.ofSeconds(1));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(result.notified()).isEqualTo(2);
        assertThat(result.forced()).isEqualTo(1);
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(reader.awaitType("shutdown")).isNotNull();
        assertThat(reader.awaitClose()).isEqualTo(1001);
        assertThat(hub.activeConnectionCount()).isZero();
        assertThat(readsToEndOfStream(stuck)).as("the stuck client's TCP connection is closed").isTrue();
    }

    /** Reads what the server had buffered for the client (bounded: 64 MB or the 5 s socket timeout) until EOF. */
    private static boolean readsToEndOfStream(RawWebSocket client) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        var in = client.socket().getInputStream();
        try {
            for (long total = 0; total < 64L * 1024 * 1024; ) {
                int n = in.read(buffer);
                if (n < 0) {
                    return true;
                }
                total += n;
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server counts as cut
        }
        return false;
    }
}
