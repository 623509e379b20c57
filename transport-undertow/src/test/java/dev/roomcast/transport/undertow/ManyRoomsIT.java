package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many rooms at once: 200 JDK clients in 20 rooms of 10; in every room two members publish numbered
 * messages at the same time as all the others. Every client must receive exactly its room's
 * messages, each publisher's in the order published, and nothing else.
 */
@Timeout(60)
class ManyRoomsIT {
    private static final int ROOMS = 20;
    private static final int PER_ROOM = 10;
    private static final int CLIENTS = ROOMS * PER_ROOM;
    private static final int PUBLISHERS_PER_ROOM = 2;
    private static final int MESSAGES_PER_PUBLISHER = 25;

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(RoomcastConfig.builder().presenceEnabled(false).workerCount(4).jobQueueSize(1024)
                .build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String roomOf(int client) {
        return "room-" + (client % ROOMS);
    }

    /** Client {@code i} publishes when it is among the first members of its room. */
    private static boolean isPublisher(int client) {
        return client / ROOMS < PUBLISHERS_PER_ROOM;
    }

    @Test
    void everyClientReceivesExactlyItsRoomsMessagesInPublishOrderPerPublisher() throws Exception {
        List<TestClient> clients = server.connectMany(CLIENTS, 16, i -> "user-" + i, i -> "?room=" + roomOf(i));
        for (TestClient c : clients) {
            c.awaitType("joined");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().registrationCount() == CLIENTS);
        for (int r = 0; r < ROOMS; r++) {
            assertThat(server.hub().roomCount(RoomName.of("room-" + r))).isEqualTo(PER_ROOM);
        }

        ExecutorService publishers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                if (!isPublisher(i)) {
                    continue;
                }
                TestClient publisher = clients.get(i);
                String room = roomOf(i);
                String subject = "user-" + i;
                done.add(publishers.submit(() -> {
                    for (int seq = 0; seq < MESSAGES_PER_PUBLISHER; seq++) {
                        publisher.sendJson(Map.of("type", "publish", "room", room,
                                "payload", Map.of("publisher", subject, "room", room, "seq", seq)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.SECONDS);
            }
        } finally {
            publishers.shutdownNow();
        }

        int expected = PUBLISHERS_PER_ROOM * MESSAGES_PER_PUBLISHER;
        for (int i = 0; i < CLIENTS; i++) {
            TestClient c = clients.get(i);
            String room = roomOf(i);
            Map<String, Integer> nextSeq = new HashMap<>();
            for (int k = 0; k < expected; k++) {
                JsonNode m = c.next();
                assertThat(m.path("type").asText()).isEqualTo("message");
                assertThat(m.path("room").asText()).as("room of a message at client %s", i).isEqualTo(room);
                JsonNode payload = m.path("payload");
                assertThat(payload.path("room").asText()).isEqualTo(room);
                String from = m.path("from").asText();
                assertThat(payload.path("publisher").asText()).as("from is the publisher's subject").isEqualTo(from);
                int seq = payload.path("seq").asInt();
                assertThat(seq).as("next message of %s at client %s", from, i).isEqualTo(nextSeq.getOrDefault(from, 0));
                nextSeq.put(from, seq + 1);
            }
            assertThat(nextSeq).as("publishers heard at client %s", i).hasSize(PUBLISHERS_PER_ROOM)
                    .allSatisfy((publisher, next) -> assertThat(next).isEqualTo(MESSAGES_PER_PUBLISHER));
        }
        clients.get(0).assertNoMoreMessages(Duration.ofMillis(300)); // one quiet window for everyone
        for (TestClient c : clients) {
            assertThat(c.drainMessages()).as("nothing beyond the room's messages").isEmpty();
        }

        for (TestClient c : clients) {
            c.close();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 0);
        assertThat(server.hub().registrationCount()).isZero();
        assertThat(server.hub().rooms()).isEmpty();
    }
}
