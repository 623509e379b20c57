package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Write coalescing (DESIGN §3): with {@code roomcast.batch.v1} everything queued travels in one
 * frame as newline-separated envelopes; with {@code roomcast.v1} one envelope per frame. Either way
 * every message arrives exactly once and in order.
 */
@Timeout(30)
class BatchingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoomName ROOM = RoomName.of("feed");
    private static final int MESSAGES = 200;

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(RoomcastConfig.builder().presenceEnabled(false).sendQueueSize(256)
                .workerCount(2).jobQueueSize(2 * 256).build()); // 256 jobs per lane: the burst fits
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aBatchingClientGetsSeveralEnvelopesPerFrameAndAPlainClientOnePerFrame() throws Exception {
        TestClient batched = server.connect("batched", "?room=feed", "roomcast.batch.v1");
        TestClient plain = server.connect("plain", "?room=feed", "roomcast.v1");
        TestClient unspecified = server.connect("unspecified", "?room=feed");
        assertThat(batched.subprotocol()).isEqualTo("roomcast.batch.v1");
        assertThat(plain.subprotocol()).isEqualTo("roomcast.v1");
        List<TestClient> all = List.of(batched, plain, unspecified);
        all.forEach(c -> c.awaitType("joined"));

        fireBackToBack();

        for (TestClient c : all) {
            for (int n = 0; n < MESSAGES; n++) {
                JsonNode m = c.next();
                assertThat(m.path("type").asText()).isEqualTo("message");
                assertThat(m.path("payload").path("n").asInt()).as("message %s at %s", n, c.subprotocol()).isEqualTo(n);
            }
            c.assertNoMoreMessages(Duration.ofMillis(200));
        }
        List<String> batchedFrames = new ArrayList<>(batched.rawFrames());
        assertThat(batchedFrames).as("at least one frame carries several envelopes")
                .anyMatch(f -> f.split("\n").length > 1);
        assertThat(batchedFrames.stream().mapToInt(f -> f.split("\n").length).sum())
                .as("joined + every message, each once").isEqualTo(1 + MESSAGES);
        assertThat(batchedFrames).noneMatch(f -> f.startsWith("\n") || f.endsWith("\n") || f.contains("\n\n"));
        for (TestClient c : List.of(plain, unspecified)) {
            assertThat(c.rawFrames()).as("one envelope per frame").hasSize(1 + MESSAGES).noneMatch(f -> f.contains("\n"));
        }
    }

    /**
     * A batch is joined into one pooled 16 KiB buffer, so big envelopes piling up are split over
     * several frames, each within a buffer, and an envelope bigger than a buffer goes alone, whole.
     */
    @Test
    void bigEnvelopesAreSplitIntoFramesThatFitAPooledBufferAndStillArriveInOrder() throws Exception {
        TestClient batched = server.connect("batched", "?room=feed", "roomcast.batch.v1");
        batched.awaitType("joined");
        int count = 60;
        String filler = "x".repeat(3_000);
        List<CompletableFuture<BroadcastResult>> futures = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String text = n == count / 2 ? "y".repeat(40_000) : filler; // one larger than any pooled buffer
            futures.add(server.hub().broadcastRoom(ROOM,
                    Envelope.toRoom("message", ROOM, JSON.createObjectNode().put("n", n).put("text", text)), Optional.empty()));
        }
        for (CompletableFuture<BroadcastResult> f : futures) {
            assertThat(f.get(5, TimeUnit.SECONDS).fullyDelivered()).isTrue();
        }

        for (int n = 0; n < count; n++) {
            JsonNode m = batched.next();
            assertThat(m.path("payload").path("n").asInt()).isEqualTo(n);
            assertThat(m.path("payload").path("text").asText()).hasSize(n == count / 2 ? 40_000 : 3_000);
        }
        List<String> frames = new ArrayList<>(batched.rawFrames());
        assertThat(frames).as("several envelopes share a frame").anyMatch(f -> f.split("\n").length > 1);
        assertThat(frames).as("a frame of several envelopes fits one 16 KiB buffer")
                .filteredOn(f -> f.split("\n").length > 1)
                .allMatch(f -> f.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 16 * 1024);
    }

    /** Fires every broadcast without waiting in between, so they pile up in the members' queues. */
    private void fireBackToBack() throws Exception {
        List<CompletableFuture<BroadcastResult>> futures = new ArrayList<>(MESSAGES);
        for (int n = 0; n < MESSAGES; n++) {
            futures.add(server.hub().broadcastRoom(ROOM,
                    Envelope.toRoom("message", ROOM, JSON.createObjectNode().put("n", n)), Optional.empty()));
        }
        for (CompletableFuture<BroadcastResult> f : futures) {
            BroadcastResult r = f.get(5, TimeUnit.SECONDS);
            assertThat(r.fullyDelivered()).as("%s", r).isTrue();
        }
    }
}
