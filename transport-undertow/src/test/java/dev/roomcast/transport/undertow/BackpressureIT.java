package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One slow member under each {@link SendBehavior}: a raw client with a tiny receive window that
 * joins and then never reads, beside fast JDK clients. The room is fed 32 KB messages one at a
 * time, each checked at every fast member before the next, until the slow member's queue (8 frames)
 * has overflowed: so the fast members never fall behind by themselves, and any loss would be the
 * slow member's fault. Each case runs in a small room (two fast members: the lane delivers) and in
 * a large one ({@link Hub#SHARDED_FANOUT_MIN_MEMBERS} fast members: the I/O threads deliver, and a
 * full {@code BLOCK} member is handed back to the lane).
 */
@Timeout(120)
class BackpressureIT {
    private static final int LARGE_ROOM_FAST_MEMBERS = Hub.SHARDED_FANOUT_MIN_MEMBERS;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoomName ROOM = RoomName.of("stage");
    private static final int QUEUE = 8;
    private static final String PAD = "x".repeat(32 * 1024);
    /** Upper bound on messages fed while waiting for the slow member's queue to overflow (64 MB per member). */
    private static final int MAX_MESSAGES = 2_000;
    /** Messages fed after the first overflow, to show the fast members are unaffected. */
    private static final int AFTER_OVERFLOW = 10;

    private final RecordingListener listener = new RecordingListener();
    private TestServer server;
    private RawWebSocket slow;

    @AfterEach
    void stop() throws IOException {
        if (slow != null) {
            slow.close();
        }
        server.close();
    }

    /** Members in the room: the fast ones and the slow one. */
    private int members;

    private List<TestClient> startWithSlowMember(SendBehavior behavior, int fastMembers) throws IOException {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().sendQueueSize(QUEUE).sendBehavior(behavior)
                        .sendTimeout(Duration.ofMillis(50)).presenceEnabled(false).workerCount(2).jobQueueSize(64)
                        .build())
                .listener(listener)
                .start();
        List<TestClient> fast = new ArrayList<>();
        for (int i = 1; i <= fastMembers; i++) {
            fast.add(server.connect("fast-" + i, "?room=stage"));
        }
        fast.forEach(c -> c.awaitType("joined"));
        members = fastMembers + 1;
        slow = RawWebSocket.open(server.port(), 4096);
        assertThat(slow.upgrade("/ws?room=stage", Map.of("Authorization", "Bearer valid:slow")).status())
                .isEqualTo(101);
        assertThat(JSON.readTree(slow.readUntil(RawWebSocket.OP_TEXT).text()).path("type").asText()).isEqualTo("joined");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().roomCount(ROOM) == members);
        return fast;
    }

    /**
     * Feeds numbered messages one at a time, each awaited at every fast member in order, until
     * {@code overflowed} holds for a result, then {@link #AFTER_OVERFLOW} more. Returns every result.
     */
    private List<BroadcastResult> feedUntil(List<TestClient> fast, Predicate<BroadcastResult> overflowed) throws Exception {
        List<BroadcastResult> results = new ArrayList<>();
        int stopAt = MAX_MESSAGES;
        for (int n = 0; n < stopAt; n++) {
            BroadcastResult r = publish(n);
            results.add(r);
            for (TestClient c : fast) {
                assertThat(c.awaitType("message").path("payload").path("n").asInt()).as("message at a fast member")
                        .isEqualTo(n);
            }
            if (stopAt == MAX_MESSAGES && overflowed.test(r)) {
                stopAt = n + 1 + AFTER_OVERFLOW;
            }
        }
        assertThat(stopAt).as("the slow member's queue overflowed within %s messages", MAX_MESSAGES)
                .isLessThan(MAX_MESSAGES);
        return results;
    }

    private BroadcastResult publish(int n) throws Exception {
        ObjectNode payload = JSON.createObjectNode().put("n", n).put("pad", PAD);
        BroadcastResult r = server.hub().broadcastRoom(ROOM, Envelope.toRoom("message", ROOM, payload), Optional.empty())
                .get(5, TimeUnit.SECONDS);
        assertThat(r.rejected()).isEmpty();
        return r;
    }

    @ParameterizedTest(name = "{0} fast members")
    @ValueSource(ints = {2, LARGE_ROOM_FAST_MEMBERS})
    void underDropTheFastMembersReceiveEveryMessageAndTheSlowOnesDropsAreCounted(int fastMembers) throws Exception {
        List<TestClient> fast = startWithSlowMember(SendBehavior.DROP, fastMembers);

        List<BroadcastResult> results = feedUntil(fast, r -> r.dropped() > 0);

        int dropped = results.stream().mapToInt(BroadcastResult::dropped).sum();
        assertThat(dropped).isGreaterThanOrEqualTo(AFTER_OVERFLOW + 1);
        for (BroadcastResult r : results) {
            assertThat(r.attempted()).isEqualTo(members);
            assertThat(r.enqueued() + r.dropped()).isEqualTo(members);
            assertThat(r.dropped()).as("only the slow member drops").isLessThanOrEqualTo(1);
            assertThat(r.closed() + r.timedOut()).isZero();
        }
        assertThat(server.hub().roomCount(ROOM)).as("DROP keeps the slow member").isEqualTo(members);

        // Once it reads again, the slow member gets exactly the messages it did not drop, in order.
        int last = readInOrder(results.size() - dropped);
        assertThat(last).as("its queue kept the newest messages up to the overflow").isLessThan(results.size());
    }

    /** Reads {@code count} messages at the slow member, checks their numbers rise, returns the last. */
    private int readInOrder(int count) throws IOException {
        int last = -1;
        for (int i = 0; i < count; i++) {
            JsonNode m = JSON.readTree(slow.readUntil(RawWebSocket.OP_TEXT).text());
            int n = m.path("payload").path("n").asInt();
            assertThat(n).as("in order").isGreaterThan(last);
            last = n;
        }
        return last;
    }

    @ParameterizedTest(name = "{0} fast members")
    @ValueSource(ints = {2, LARGE_ROOM_FAST_MEMBERS})
    void underCloseTheSlowMemberIsClosedWith1013WhileTheOthersKeepReceiving(int fastMembers) throws Exception {
        List<TestClient> fast = startWithSlowMember(SendBehavior.CLOSE, fastMembers);

        List<BroadcastResult> results = feedUntil(fast, r -> r.closed() > 0);

        assertThat(results.stream().mapToInt(BroadcastResult::dropped).sum()).isZero();
        assertThat(results.stream().mapToInt(BroadcastResult::closed).sum()).as("the slow member is counted closed once")
                .isEqualTo(1);
        assertThat(results.getLast().attempted()).as("a closed member is no longer offered frames").isEqualTo(members - 1);
        // The slow member starts its own close while the server's waits behind its unread data (the
        // two closes cross). It still gets everything written before the server's close, then 1013,
        // and then the end of the connection.
        slow.sendClose(1000);
        assertThat(slow.awaitCloseCode()).isEqualTo(1013);
        assertThat(slow.awaitEof()).isTrue();
        assertThat(listener.historyOf(RecordingListener.Opened.class)).hasSize(members);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().roomCount(ROOM) == members - 1);
        assertThat(listener.awaitClosed().code()).isEqualTo(1013);
        fast.forEach(c -> assertThat(c.isClosed()).isFalse());
        BroadcastResult after = publish(-1);
        assertThat(after.attempted()).isEqualTo(members - 1);
        assertThat(after.enqueued()).isEqualTo(members - 1);
        for (TestClient c : fast) {
            assertThat(c.awaitType("message").path("payload").path("n").asInt()).isEqualTo(-1);
        }
    }

    @ParameterizedTest(name = "{0} fast members")
    @ValueSource(ints = {2, LARGE_ROOM_FAST_MEMBERS})
    void underBlockNothingIsLostForTheFastMembersAndTheSlowOneTimesOut(int fastMembers) throws Exception {
        List<TestClient> fast = startWithSlowMember(SendBehavior.BLOCK, fastMembers);

        List<BroadcastResult> results = feedUntil(fast, r -> r.timedOut() > 0);

        int timedOut = results.stream().mapToInt(BroadcastResult::timedOut).sum();
        assertThat(timedOut).isGreaterThanOrEqualTo(1);
        for (BroadcastResult r : results) {
            assertThat(r.attempted()).isEqualTo(members);
            assertThat(r.enqueued() + r.timedOut()).isEqualTo(members);
            assertThat(r.timedOut()).as("only the slow member times out").isLessThanOrEqualTo(1);
            assertThat(r.dropped() + r.closed()).isZero();
        }
        assertThat(server.hub().roomCount(ROOM)).as("BLOCK keeps the slow member").isEqualTo(members);
        // Reading again, it gets every message that did not time out, in order.
        readInOrder(results.size() - timedOut);
    }
}
