package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Relay;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.hub.PresencePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two hubs ("nodes") in one JVM, each on its own {@link RedisClusterBus}, against a real
 * {@code redis-server} on a free loopback port: what a broadcast, a join and a node's death look like
 * from the other node.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisClusterBusIT {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private static final Duration WAIT = Duration.ofSeconds(5);
    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perClass();

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);

    /** A node: a hub on a Redis bus named {@code nodeId}, sharing the test's key prefix. */
    private record Node(Hub hub, RedisClusterBus bus) {
        CollectingPeer member(String id, String subject) {
            CollectingPeer peer = new CollectingPeer(id, subject);
            assertThat(hub.tryConnect(peer)).isInstanceOf(dev.roomcast.hub.Admission.Admitted.class);
            assertThat(hub.tryJoin(peer, LOBBY.value(), Optional.empty())).isInstanceOf(JoinResult.Joined.class);
            return peer;
        }
    }

    /** Node {@code nodeId} of the test's cluster; the fixture stops its hub (which closes the bus) after the test. */
    private Node node(String nodeId, Duration ttl, Duration heartbeat) {
        RedisFixture.Node node = redis.node(redis.config(nodeId).presenceTtl(ttl).heartbeat(heartbeat).build());
        return new Node(redis.hub(node, codec, PresencePolicy.always(true)), node.bus());
    }

    @Test
    void aRoomBroadcastReachesTheMembersOfBothNodesEachExactlyOnce() throws Exception {
        Node a = node("a", Duration.ofSeconds(15), Duration.ofSeconds(5));
        Node b = node("b", Duration.ofSeconds(15), Duration.ofSeconds(5));
        CollectingPeer alice = a.member("a-1", "alice");
        alice.nextContaining("\"joined\"");
        CollectingPeer bob = b.member("b-1", "bob");
        CollectingPeer carol = b.member("b-2", "carol");
        alice.nextContaining("\"subject\":\"carol\""); // b's presence joins reached a
        long receivedByA = a.bus().receivedCount();

        BroadcastResult result = a.hub().broadcastRoom(LOBBY,
                Envelope.toRoom("message", LOBBY, codec.toPayload(java.util.Map.of("text", "hi"))), Optional.empty())
                .get(5, TimeUnit.SECONDS);

        assertThat(result.attempted()).as("local members only").isEqualTo(1);
        assertThat(result.enqueued()).isEqualTo(1);
        assertThat(result.relay()).isEqualTo(Relay.RELAYED);
        assertThat(alice.nextContaining("\"hi\"")).contains("\"type\":\"message\"");
        assertThat(bob.nextContaining("\"hi\"")).contains("\"room\":\"lobby\"");
        assertThat(carol.nextContaining("\"hi\"")).contains("\"room\":\"lobby\"");
        await().atMost(WAIT).until(() -> b.bus().receivedCount() >= 1);
        alice.assertNoFrameContaining("\"hi\"", Duration.ofMillis(300));
        bob.assertNoFrameContaining("\"hi\"", Duration.ofMillis(100));
        assertThat(a.bus().receivedCount()).as("node a skips its own frame coming back from Redis").isEqualTo(receivedByA);
    }

    @Test
    void joinsAndLeavesOnOneNodeAreAnnouncedOnTheOtherAndListedByBoth() throws Exception {
        Node a = node("a", Duration.ofSeconds(15), Duration.ofSeconds(5));
        Node b = node("b", Duration.ofSeconds(15), Duration.ofSeconds(5));
        CollectingPeer alice = a.member("a-1", "alice");
        CollectingPeer bob = b.member("b-1", "bob");

        assertThat(alice.nextContaining("\"presence\"")).contains("\"event\":\"join\"").contains("\"subject\":\"bob\"");
        List<ClusterMember> expected = List.of(new ClusterMember("a", "a-1", "alice"), new ClusterMember("b", "b-1", "bob"));
        await().atMost(WAIT).until(() -> a.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS), expected::equals);
        assertThat(b.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS)).isEqualTo(expected);

        assertThat(b.hub().leave(bob, LOBBY)).isTrue();

        assertThat(alice.nextContaining("\"presence\"")).contains("\"event\":\"leave\"").contains("\"subject\":\"bob\"");
        await().atMost(WAIT).until(() -> a.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS),
                List.of(new ClusterMember("a", "a-1", "alice"))::equals);
    }

    @Test
    void theMembersOfANodeThatDiedDisappearWhenItsPresenceKeysExpire() throws Exception {
        Node a = node("a", Duration.ofSeconds(15), Duration.ofSeconds(5));
        Node doomed = node("doomed", Duration.ofMillis(1_500), Duration.ofMillis(300));
        a.member("a-1", "alice");
        doomed.member("d-1", "dave");
        await().atMost(WAIT).until(() -> a.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS).size() == 2);
        // Still listed after two of its TTLs: only its heartbeat keeps its keys alive.
        await().pollDelay(Duration.ofMillis(3_200)).atMost(WAIT).until(() -> a.bus().members(LOBBY)
                .toCompletableFuture().get(1, TimeUnit.SECONDS).size() == 2);

        doomed.bus().abandon();

        long died = System.nanoTime();
        await().atMost(WAIT).until(() -> a.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS),
                List.of(new ClusterMember("a", "a-1", "alice"))::equals);
        assertThat(Duration.ofNanos(System.nanoTime() - died)).isLessThan(Duration.ofMillis(1_500 + 1_000));
    }

    @Test
    void aNodeThatClosesRemovesItsMembersAtOnce() throws Exception {
        Node a = node("a", Duration.ofSeconds(15), Duration.ofSeconds(5));
        Node b = node("b", Duration.ofSeconds(15), Duration.ofSeconds(5));
        a.member("a-1", "alice");
        b.member("b-1", "bob");
        await().atMost(WAIT).until(() -> a.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS).size() == 2);

        b.hub().stop();

        assertThat(a.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS))
                .containsExactly(new ClusterMember("a", "a-1", "alice"));
    }
}
