package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import dev.roomcast.transport.undertow.testing.ThreadCensus;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection's reader is a virtual thread that runs only while messages wait: an idle connection
 * holds no thread, and the next message starts one. Messages are still handled one at a time, in
 * arrival order, across any number of such restarts.
 */
@Timeout(60)
class ReaderLifecycleIT {
    private static final String READER_PREFIX = "roomcast-connection-";

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(RoomcastConfig.builder().presenceEnabled(false)
                .inboundRatePerSecond(10_000).inboundBurst(10_000).build()); // bursts of pings are the point here
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void idleConnectionsHoldNoReaderThreadAndTheNextMessageStartsOne() {
        TestClient alice = server.connect("alice", "");
        TestClient bob = server.connect("bob", "");
        alice.sendJson(Map.of("type", "ping", "id", "a0"));
        bob.sendJson(Map.of("type", "ping", "id", "b0"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("a0");
        assertThat(bob.awaitType("pong").path("id").asText()).isEqualTo("b0");

        await().atMost(Duration.ofSeconds(5)).until(() -> ThreadCensus.countNamed(READER_PREFIX) == 0);

        alice.sendJson(Map.of("type", "ping", "id", "a1"));
        assertThat(alice.awaitType("pong").path("id").asText()).isEqualTo("a1");
        assertThat(alice.isClosed()).isFalse();
        assertThat(bob.isClosed()).isFalse();
    }

    @Test
    void messagesAreHandledInArrivalOrderAcrossReaderRestarts() throws InterruptedException {
        TestClient alice = server.connect("alice", "");
        int rounds = 20;
        int perRound = 50;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < perRound; i++) {
                alice.sendJson(Map.of("type", "ping", "id", r + "-" + i));
            }
            for (int i = 0; i < perRound; i++) {
                JsonNode pong = alice.next();
                assertThat(pong.path("type").asText()).isEqualTo("pong");
                assertThat(pong.path("id").asText()).isEqualTo(r + "-" + i);
            }
            if (r % 5 == 0) {
                Thread.sleep(20); // let the reader end, so the next burst starts a new one
            }
        }
        alice.assertNoMoreMessages(Duration.ofMillis(100));
    }
}
