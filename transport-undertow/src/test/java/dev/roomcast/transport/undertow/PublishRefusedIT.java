package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A publish the hub refuses as a whole (job queue full) is answered with an error, never silence. */
@Timeout(60)
class PublishRefusedIT {
    private static final String PAD = "z".repeat(32 * 1024);

    private TestServer server;
    private RawWebSocket stuck;

    @AfterEach
    void stop() throws Exception {
        if (stuck != null) {
            stuck.close();
        }
        server.close();
    }

    @Test
    void aPublishRefusedForAFullJobQueueGetsHubFullWithItsId() throws Exception {
        // One lane holding one queued job, its runner held up by a member that never reads under BLOCK.
        server = TestServer.builder().config(RoomcastConfig.builder()
                .workerCount(1).jobQueueSize(1).sendQueueSize(1).sendBehavior(SendBehavior.BLOCK)
                .sendTimeout(Duration.ofSeconds(3)).presenceEnabled(false).inboundBurst(1000).build()).start();
        stuck = RawWebSocket.open(server.port(), 4096);
        assertThat(stuck.upgrade("/ws?room=stage", Map.of("Authorization", "Bearer valid:stuck")).status()).isEqualTo(101);
        TestClient publisher = server.connect("publisher", "?room=stage");
        publisher.awaitType("joined");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().roomCount(RoomName.of("stage")) == 2);

        JsonNode error = null;
        for (int i = 0; i < 300 && error == null; i++) {
            // Server code broadcasting from a platform thread never runs the lane itself: these pile up
            // behind the stuck member until the lane is full...
            fillTheLane();
            // ...and then the client's publish finds no room on it.
            publisher.sendJson(Map.of("type", "publish", "room", "stage", "id", "p" + i, "payload", Map.of("pad", "x")));
            for (JsonNode m : publisher.drainMessages()) {
                if (m.path("type").asText().equals("error")) {
                    error = m;
                }
            }
        }
        if (error == null) {
            error = publisher.awaitType("error");
        }
        assertThat(error.path("payload").path("code").asText()).isEqualTo("HUB_FULL");
        assertThat(error.path("id").asText()).startsWith("p");
        assertThat(publisher.isClosed()).isFalse();
    }

    /** Broadcasts big envelopes from this (platform) thread until the room's lane refuses one. */
    private void fillTheLane() throws Exception {
        for (int i = 0; i < 50; i++) {
            var result = server.hub().broadcastRoom(RoomName.of("stage"),
                    dev.roomcast.core.Envelope.toRoom("filler", RoomName.of("stage"),
                            new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("pad", PAD)),
                    java.util.Optional.empty());
            if (result.getNow(null) != null && result.getNow(null).rejected().isPresent()) {
                return;
            }
        }
    }
}
