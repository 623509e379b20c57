package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Relay;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.StreamPosition;
import dev.roomcast.hub.Admission;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.hub.PresencePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hubs ("nodes") on {@link RedisRoomHistory} and {@link RedisClusterBus} against a real
 * {@code redis-server} on a free loopback port: offsets and epochs on history rooms' messages, and
 * what a join with {@code since} recovers (in order, with no gap or duplicate) or reports it could not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisRoomHistoryIT {
    private static final RoomName LOG = RoomName.of("log");
    private static final RoomName SMALL = RoomName.of("small");
    private static final RoomName BRIEF = RoomName.of("brief");
    private static final RoomName PLAIN = RoomName.of("plain");
    private static final RoomHistoryConfig HISTORIES = RoomHistoryConfig.builder()
            .room(LOG, 1_000, Duration.ofMinutes(5))
            .room(SMALL, 3, Duration.ofMinutes(5))
            .room(BRIEF, 100, Duration.ofSeconds(1))
            .build();
    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perClass();

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final AtomicInteger peers = new AtomicInteger();

    /** A node: a hub with a Redis bus and a Redis history sharing the test's prefix. */
    private record Node(Hub hub, RedisRoomHistory history) {
    }

    private Node node(String nodeId) {
        return node(nodeId, redis.server());
    }

    /** Node {@code nodeId} on {@code server}; the fixture stops its hub (which closes the bus and the history) after the test. */
    private Node node(String nodeId, RedisServer server) {
        RedisFixture.Node node = redis.node(redis.config(server, nodeId).build(), HISTORIES);
        return new Node(redis.hub(node, codec, PresencePolicy.always(false)), node.history().orElseThrow());
    }

    /** A connected peer joined to {@code room} (recovering after {@code since} when given); returns it and its joined reply. */
    private Joined join(Node node, RoomName room, Optional<StreamPosition> since) throws Exception {
        CollectingPeer peer = new CollectingPeer("p-" + peers.incrementAndGet(), "alice");
        assertThat(node.hub().tryConnect(peer)).isInstanceOf(Admission.Admitted.class);
        assertThat(node.hub().tryJoin(peer, room.value(), Optional.of("j"), since)).isInstanceOf(JoinResult.Joined.class);
        JsonNode joined = json(peer.nextContaining("\"joined\""));
        return new Joined(node, peer, joined);
    }

    private record Joined(Node node, CollectingPeer peer, JsonNode reply) {
        StreamPosition position() {
            JsonNode p = reply.get("payload");
            return StreamPosition.of(p.get("offset").asLong(), p.get("epoch").asText());
        }

        void leave() {
            node.hub().disconnect(peer);
        }
    }

    private BroadcastResult publish(Node node, RoomName room, String text) throws Exception {
        return node.hub().broadcastRoom(room, Envelope.toRoom("message", room, codec.toPayload(Map.of("text", text)))
                .withFrom("bob"), Optional.empty()).get(5, TimeUnit.SECONDS);
    }

    private JsonNode json(String frame) {
        return codec.parseJson(frame).orElseThrow();
    }

    /** The next message's text and offset, as "text@offset". */
    private String nextMessage(CollectingPeer peer) throws Exception {
        JsonNode m = json(peer.nextContaining("\"message\""));
        return m.get("payload").get("text").asText() + "@" + m.path("offset").asLong(-1);
    }

    @Test
    void aClientThatRejoinsWithItsLastOffsetGetsExactlyWhatItMissedInOrderThenLiveMessages() throws Exception {
        Node a = node("a");
        Joined first = join(a, LOG, Optional.empty());
        StreamPosition start = first.position();
        assertThat(first.reply().get("payload").has("recovered")).as("a plain join states no recovery").isFalse();
        publish(a, LOG, "one");
        JsonNode one = json(first.peer().nextContaining("\"one\""));
        assertThat(one.get("offset").asLong()).isEqualTo(start.offset() + 1);
        assertThat(one.get("epoch").asText()).isEqualTo(start.epoch());
        first.leave();

        publish(a, LOG, "two");
        publish(a, LOG, "three");
        Joined again = join(a, LOG, Optional.of(StreamPosition.of(one.get("offset").asLong(), start.epoch())));

        assertThat(again.reply().get("payload").get("recovered").asBoolean()).isTrue();
        assertThat(again.reply().get("id").asText()).isEqualTo("j");
        assertThat(again.position()).isEqualTo(StreamPosition.of(start.offset() + 3, start.epoch()));
        assertThat(nextMessage(again.peer())).isEqualTo("two@" + (start.offset() + 2));
        assertThat(nextMessage(again.peer())).isEqualTo("three@" + (start.offset() + 3));
        publish(a, LOG, "four");
        assertThat(nextMessage(again.peer())).isEqualTo("four@" + (start.offset() + 4));
        again.peer().assertNoFrameContaining("\"message\"", Duration.ofMillis(200));
    }

    @Test
    void aMessagePublishedOnNodeBIsRecoveredByAClientRejoiningOnNodeA() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Joined onA = join(a, LOG, Optional.empty());
        StreamPosition seen = onA.position();
        onA.leave();

        publish(b, LOG, "from-b");
        Joined back = join(a, LOG, Optional.of(seen));

        assertThat(back.reply().get("payload").get("recovered").asBoolean()).isTrue();
        assertThat(nextMessage(back.peer())).isEqualTo("from-b@" + (seen.offset() + 1));
        publish(b, LOG, "live-from-b");
        assertThat(nextMessage(back.peer())).isEqualTo("live-from-b@" + (seen.offset() + 2));
    }

    @Test
    void aNodeStartedAfterMessagesWereStoredRecoversThemAtOnceAndDeliversNoneOfThemLive() throws Exception {
        Node a = node("a");
        Joined onA = join(a, LOG, Optional.empty());
        StreamPosition start = onA.position();
        for (int i = 1; i <= 3; i++) {
            publish(a, LOG, "m" + i);
        }
        Node late = node("late"); // subscribes with the room at start + 3: those three never reach it live

        long started = System.nanoTime();
        Joined back = join(late, LOG, Optional.of(StreamPosition.of(start.offset() + 1, start.epoch())));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(back.reply().get("payload").get("recovered").asBoolean()).isTrue();
        assertThat(nextMessage(back.peer())).isEqualTo("m2@" + (start.offset() + 2));
        assertThat(nextMessage(back.peer())).isEqualTo("m3@" + (start.offset() + 3));
        // Waiting for m2 and m3 to arrive live would have lasted until the hub's catch-up bound (1 s).
        assertThat(took).isLessThan(Duration.ofMillis(800));
        publish(a, LOG, "m4");
        assertThat(nextMessage(back.peer())).isEqualTo("m4@" + (start.offset() + 4));
    }

    @Test
    void offsetsAreOneSequenceAcrossNodesAndARecoveringJoinUnderLoadSeesNoGapAndNoDuplicate() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Joined watcher = join(a, LOG, Optional.empty());
        StreamPosition start = watcher.position();
        int count = 300;
        Thread publisher = Thread.ofVirtual().start(() -> {
            for (int i = 1; i <= count; i++) {
                try {
                    publish(i % 2 == 0 ? a : b, LOG, "m" + i);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        // Rejoins while the messages stream in, each time from the last offset it saw.
        StreamPosition last = start;
        List<Long> offsets = new ArrayList<>();
        Joined current = join(a, LOG, Optional.of(last));
        for (int round = 0; round < 6 && last.offset() < start.offset() + count; round++) {
            for (int i = 0; i < 25 && last.offset() < start.offset() + count; i++) {
                JsonNode m = json(current.peer().nextContaining("\"message\""));
                offsets.add(m.get("offset").asLong());
                last = StreamPosition.of(m.get("offset").asLong(), m.get("epoch").asText());
            }
            current.leave();
            current = join(round % 2 == 0 ? b : a, LOG, Optional.of(last));
            assertThat(current.reply().get("payload").get("recovered").asBoolean()).isTrue();
        }
        while (last.offset() < start.offset() + count) {
            JsonNode m = json(current.peer().nextContaining("\"message\""));
            offsets.add(m.get("offset").asLong());
            last = StreamPosition.of(m.get("offset").asLong(), m.get("epoch").asText());
        }
        publisher.join(10_000);

        List<Long> expected = new ArrayList<>();
        for (long o = start.offset() + 1; o <= start.offset() + count; o++) {
            expected.add(o);
        }
        assertThat(offsets).containsExactlyElementsOf(expected);
        current.peer().assertNoFrameContaining("\"message\"", Duration.ofMillis(200));
        // The member that never left saw the one sequence too, in order.
        List<Long> watched = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            watched.add(json(watcher.peer().nextContaining("\"message\"")).get("offset").asLong());
        }
        assertThat(watched).containsExactlyElementsOf(expected);
    }

    @Test
    void missingAsManyMessagesAsTheHistoryHoldsIsRecovered() throws Exception {
        Node a = node("a");
        Joined first = join(a, SMALL, Optional.empty());
        first.leave();
        for (int i = 1; i <= 3; i++) {
            publish(a, SMALL, "s" + i);
        }

        Joined again = join(a, SMALL, Optional.of(first.position()));

        assertThat(again.reply().get("payload").get("recovered").asBoolean()).isTrue();
        assertThat(nextMessage(again.peer())).startsWith("s1@");
        assertThat(nextMessage(again.peer())).startsWith("s2@");
        assertThat(nextMessage(again.peer())).startsWith("s3@");
    }

    @Test
    void missingOneMoreMessageThanTheHistoryHoldsIsNotRecoveredAndSendsNothingOld() throws Exception {
        Node a = node("a");
        Joined first = join(a, SMALL, Optional.empty());
        first.leave();
        for (int i = 1; i <= 4; i++) {
            publish(a, SMALL, "s" + i);
        }

        Joined again = join(a, SMALL, Optional.of(first.position()));

        assertThat(again.reply().get("payload").get("recovered").asBoolean()).isFalse();
        assertThat(again.position().offset()).isEqualTo(first.position().offset() + 4);
        again.peer().assertNoFrameContaining("\"message\"", Duration.ofMillis(300));
    }

    @Test
    void messagesOlderThanTheHistoryAgeAreNotRecovered() throws Exception {
        Node a = node("a");
        Joined first = join(a, BRIEF, Optional.empty());
        first.leave();
        publish(a, BRIEF, "old");
        Joined young = join(a, BRIEF, Optional.of(first.position()));
        assertThat(young.reply().get("payload").get("recovered").asBoolean()).as("within the age").isTrue();
        young.leave();

        // BRIEF keeps messages for 1 s.
        await().pollDelay(Duration.ofMillis(1_300)).atMost(Duration.ofSeconds(3)).until(() -> true);
        Joined again = join(a, BRIEF, Optional.of(first.position()));

        assertThat(again.reply().get("payload").get("recovered").asBoolean()).isFalse();
        again.peer().assertNoFrameContaining("\"old\"", Duration.ofMillis(300));
    }

    @Test
    void aHistoryLostInRedisStartsANewEpochAndTheOldPositionIsNotRecovered() throws Exception {
        Node a = node("a");
        Joined first = join(a, LOG, Optional.empty());
        publish(a, LOG, "before");
        JsonNode before = json(first.peer().nextContaining("\"before\""));
        first.leave();

        assertThat(redis.server().command("FLUSHALL")).isEqualTo("+OK");
        Joined again = join(a, LOG, Optional.of(StreamPosition.of(before.get("offset").asLong(), before.get("epoch").asText())));

        assertThat(again.reply().get("payload").get("recovered").asBoolean()).isFalse();
        assertThat(again.position().epoch()).isNotEqualTo(before.get("epoch").asText());
        assertThat(again.position().offset()).isZero();
        publish(a, LOG, "after");
        assertThat(nextMessage(again.peer())).isEqualTo("after@1");
    }

    @Test
    void aStaleEpochFromTheClientIsNotRecoveredEvenAtAValidOffset() throws Exception {
        Node a = node("a");
        Joined first = join(a, LOG, Optional.empty());
        first.leave();
        publish(a, LOG, "x");

        Joined again = join(a, LOG, Optional.of(StreamPosition.of(first.position().offset(), "not-the-epoch")));

        assertThat(again.reply().get("payload").get("recovered").asBoolean()).isFalse();
        again.peer().assertNoFrameContaining("\"x\"", Duration.ofMillis(300));
    }

    @Test
    void roomsWithoutHistoryKeepTheirFrameFormatAndJoinedReply() throws Exception {
        Node a = node("a");
        Joined plain = join(a, PLAIN, Optional.of(StreamPosition.of(3, "abc")));
        assertThat(plain.reply().get("payload").has("offset")).isFalse();
        assertThat(plain.reply().get("payload").has("recovered")).isFalse();

        BroadcastResult result = publish(a, PLAIN, "hello");

        assertThat(result.attempted()).isEqualTo(1);
        assertThat(plain.peer().nextContaining("\"hello\"")).isEqualTo(
                "{\"type\":\"message\",\"room\":\"plain\",\"from\":\"bob\",\"payload\":{\"text\":\"hello\"}}");
    }

    @Test
    void withRedisDownARecoveringJoinAnswersNotRecoveredPromptlyAndLocalMembersStillReceive() throws Exception {
        RedisServer own = RedisServer.start();
        try {
            Node a = node("a", own);
            Joined stays = join(a, LOG, Optional.empty());
            StreamPosition seen = stays.position();
            own.stop();

            long started = System.nanoTime();
            Joined again = join(a, LOG, Optional.of(seen));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Hub.HISTORY_WAIT);
            assertThat(again.reply().get("payload").get("recovered").asBoolean()).isFalse();
            assertThat(again.reply().get("payload").has("offset")).as("no position is known").isFalse();

            BroadcastResult result = publish(a, LOG, "during");
            assertThat(result.relay()).isEqualTo(Relay.FAILED);
            assertThat(nextMessage(stays.peer())).as("unstamped").isEqualTo("during@-1");
            assertThat(nextMessage(again.peer())).isEqualTo("during@-1");
            assertThat(a.history().appendFailureCount()).isPositive();
        } finally {
            own.close();
        }
    }
}
