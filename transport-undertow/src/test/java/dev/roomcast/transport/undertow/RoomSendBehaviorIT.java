package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A room with a send behaviour of its own, over real sockets: one slow member (a raw client with a
 * tiny receive window that never reads) in two rooms of a {@code BLOCK} server, one of which is
 * {@code DROP}. The same full queue drops the {@code DROP} room's frames and waits, then times out,
 * for the other room's; the connection's listener hears each refusal with its own result.
 */
@Timeout(120)
class RoomSendBehaviorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoomName FEED = RoomName.of("feed");
    private static final RoomName NOTICES = RoomName.of("notices");
    private static final String PAD = "x".repeat(32 * 1024);
    /** Upper bound on feed messages while waiting for the slow member's queue to overflow (64 MB). */
    private static final int MAX_MESSAGES = 2_000;

    private final Map<SendResult, AtomicInteger> refused = new ConcurrentHashMap<>();
    private TestServer server;
    private RawWebSocket slow;

    @AfterEach
    void stop() throws IOException {
        if (slow != null) {
            slow.close();
        }
        server.close();
    }

    @Test
    void aDropRoomDropsForTheFullMemberWhileItsBlockRoomWaitsThenTimesOutAndTheMemberStays() throws Exception {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().sendQueueSize(8).sendBehavior(SendBehavior.BLOCK)
                        .roomSendBehavior(FEED, SendBehavior.DROP).sendTimeout(Duration.ofMillis(100))
                        .presenceEnabled(false).workerCount(2).jobQueueSize(64).build())
                .listener(new ConnectionListener() {
                    @Override
                    public void onSendRefused(Peer peer, SendResult result) {
                        refused.computeIfAbsent(result, r -> new AtomicInteger()).incrementAndGet();
                    }
                })
                .start();
        TestClient fast = server.connect("fast", "?room=feed&room=notices");
        fast.awaitType("joined");
        fast.awaitType("joined");
        slow = RawWebSocket.open(server.port(), 4096);
        assertThat(slow.upgrade("/ws?room=feed&room=notices", Map.of("Authorization", "Bearer valid:slow")).status())
                .isEqualTo(101);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().roomCount(NOTICES) == 2);

        // Feed until the slow member's queue is full for good: a frame dropped, then three in a row.
        int inARow = 0;
        int n = 0;
        for (; n < MAX_MESSAGES && inARow < 3; n++) {
            BroadcastResult r = broadcast(FEED, n);
            assertThat(r.timedOut() + r.closed()).as("the feed room never waits nor closes").isZero();
            inARow = r.dropped() == 1 ? inARow + 1 : 0;
            assertThat(fast.awaitType("message").path("payload").path("n").asInt()).isEqualTo(n);
        }
        assertThat(inARow).as("the slow member's queue overflowed within %s messages", MAX_MESSAGES).isEqualTo(3);

        BroadcastResult notice = broadcast(NOTICES, -1);

        assertThat(notice).as("the other room: the connection's BLOCK, timed out")
                .isEqualTo(new BroadcastResult(2, 1, 0, 0, 1, Optional.empty()));
        assertThat(fast.awaitType("message").path("payload").path("n").asInt()).isEqualTo(-1);
        assertThat(refused.get(SendResult.DROPPED).get()).isGreaterThanOrEqualTo(3);
        assertThat(refused.get(SendResult.TIMED_OUT).get()).isEqualTo(1);
        assertThat(refused).doesNotContainKey(SendResult.CLOSED_SLOW);
        assertThat(server.hub().roomCount(FEED)).as("neither behaviour closes the member").isEqualTo(2);
        // Reading again, it gets the frames its queue kept, in order.
        int last = -2;
        int messages = 0;
        for (int i = 0; i < 20 && messages < 3; i++) {
            JsonNode m = JSON.readTree(slow.readUntil(RawWebSocket.OP_TEXT).text());
            if (m.path("type").asText().equals("message")) {
                int seen = m.path("payload").path("n").asInt();
                assertThat(seen).as("in order").isGreaterThan(last);
                last = seen;
                messages++;
            }
        }
        assertThat(messages).isEqualTo(3);
    }

    private BroadcastResult broadcast(RoomName room, int n) throws Exception {
        ObjectNode payload = JSON.createObjectNode().put("n", n).put("pad", PAD);
        BroadcastResult r = server.hub().broadcastRoom(room, Envelope.toRoom("message", room, payload), Optional.empty())
                .get(5, TimeUnit.SECONDS);
        assertThat(r.rejected()).isEmpty();
        return r;
    }
}
