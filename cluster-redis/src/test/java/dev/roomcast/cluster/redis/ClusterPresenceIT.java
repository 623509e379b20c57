package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.Admission;
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
 * Presence across nodes against a real {@code redis-server} on a free loopback port: the leaves of a
 * node that was killed (its Redis connections dropped, no clean leave, as a killed process leaves
 * them) or stopped, announced once by every other node, and the {@code joined} reply listing the
 * members of every node, or saying it could not.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class ClusterPresenceIT {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private static final Duration TTL = Duration.ofMillis(1_500);
    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    /** A fresh server per test: tests stop it and start it again empty. */
    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perTest();

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);

    private record Node(Hub hub, RedisClusterBus bus) {
        CollectingPeer member(String id, String subject) throws InterruptedException {
            CollectingPeer peer = new CollectingPeer(id, subject);
            assertThat(hub.tryConnect(peer)).isInstanceOf(Admission.Admitted.class);
            assertThat(hub.tryJoin(peer, LOBBY.value(), Optional.empty())).isInstanceOf(JoinResult.Joined.class);
            return peer;
        }
    }

    /** Node {@code nodeId}; the fixture stops its hub (which closes the bus) after the test. */
    private Node node(String nodeId) {
        RedisFixture.Node node = redis.node(redis.config(nodeId).presenceTtl(TTL).heartbeat(HEARTBEAT).build());
        return new Node(redis.hub(node, codec, PresencePolicy.always(true)), node.bus());
    }

    private static List<ClusterMember> members(Node node) throws Exception {
        return node.bus().members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }

    /** Waits until {@code peer} has seen the presence join of {@code subject}. */
    private static void sawJoin(CollectingPeer peer, String subject) throws InterruptedException {
        assertThat(peer.nextContaining("\"subject\":\"" + subject + "\"")).contains("\"event\":\"join\"");
    }

    @Test
    void theMembersOfAKilledNodeAreAnnouncedAsLeftExactlyOnceOnEveryOtherNode() throws Exception {
        Node a = node("a");
        Node b = node("b");
        Node doomed = node("doomed");
        CollectingPeer alice = a.member("a-1", "alice");
        CollectingPeer bob = b.member("b-1", "bob");
        doomed.member("d-1", "dave");
        doomed.member("d-2", "erin");
        for (CollectingPeer survivor : List.of(alice, bob)) {
            sawJoin(survivor, "dave");
            sawJoin(survivor, "erin");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> members(a).size() == 4);

        doomed.bus().abandon(); // as a killed process: connections gone, no leave, keys left to expire
        long killed = System.nanoTime();

        for (CollectingPeer survivor : List.of(alice, bob)) {
            String first = survivor.nextContaining("\"event\":\"leave\"");
            String second = survivor.nextContaining("\"event\":\"leave\"");
            assertThat(List.of(first, second)).as("one leave each for dave and erin")
                    .anySatisfy(f -> assertThat(f).contains("\"subject\":\"dave\"").contains("\"connectionId\":\"d-1\""))
                    .anySatisfy(f -> assertThat(f).contains("\"subject\":\"erin\"").contains("\"connectionId\":\"d-2\""))
                    .allSatisfy(f -> assertThat(f).contains("\"type\":\"presence\"").contains("\"room\":\"lobby\""));
        }
        // Within the TTL plus one check period (and some slack for a loaded machine).
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(TTL.plus(HEARTBEAT).plusSeconds(2));
        assertThat(members(a)).containsExactly(new ClusterMember("a", "a-1", "alice"), new ClusterMember("b", "b-1", "bob"));
        assertThat(members(b)).isEqualTo(members(a));
        // Several more checks pass (and the dead node's hashes expire): nothing is announced again.
        alice.assertNoFrameContaining("\"leave\"", TTL.multipliedBy(2));
        bob.assertNoFrameContaining("\"leave\"", Duration.ofMillis(100));
    }

    @Test
    void aMemberThatLeftBeforeItsNodeDiedIsNotAnnouncedAgain() throws Exception {
        Node a = node("a");
        Node doomed = node("doomed");
        CollectingPeer alice = a.member("a-1", "alice");
        CollectingPeer dave = doomed.member("d-1", "dave");
        doomed.member("d-2", "erin");
        sawJoin(alice, "dave");
        sawJoin(alice, "erin");

        assertThat(doomed.hub().leave(dave, LOBBY)).isTrue();
        assertThat(alice.nextContaining("\"event\":\"leave\"")).contains("\"subject\":\"dave\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> members(a).size() == 2);
        doomed.bus().abandon();

        assertThat(alice.nextContaining("\"event\":\"leave\"")).contains("\"subject\":\"erin\"");
        alice.assertNoFrameContaining("\"leave\"", TTL.multipliedBy(2));
    }

    @Test
    void theMembersOfANodeThatStopsAreAnnouncedAsLeftByTheOthers() throws Exception {
        Node a = node("a");
        Node b = node("b");
        CollectingPeer alice = a.member("a-1", "alice");
        b.member("b-1", "bob");
        sawJoin(alice, "bob");

        b.hub().stop(); // stopping hubs announce nothing themselves

        assertThat(members(a)).as("gone from the list at once").containsExactly(new ClusterMember("a", "a-1", "alice"));
        assertThat(alice.nextContaining("\"event\":\"leave\"")).contains("\"subject\":\"bob\"");
        alice.assertNoFrameContaining("\"leave\"", TTL.multipliedBy(2));
    }

    @Test
    void theJoinedReplyListsTheMembersOfEveryNodeAndTheirTotal() throws Exception {
        Node a = node("a");
        Node b = node("b");
        a.member("a-1", "alice").nextContaining("\"joined\"");
        b.member("b-1", "bob");
        b.member("b-2", "bea");
        await().atMost(Duration.ofSeconds(5)).until(() -> members(a).size() == 3);

        String joined = a.member("a-2", "carol").nextContaining("\"joined\"");

        assertThat(joined).contains("\"memberCount\":4")
                .contains("{\"subject\":\"alice\",\"connectionId\":\"a-1\"}")
                .contains("{\"subject\":\"bea\",\"connectionId\":\"b-2\"}")
                .contains("{\"subject\":\"bob\",\"connectionId\":\"b-1\"}")
                .contains("{\"subject\":\"carol\",\"connectionId\":\"a-2\"}")
                .doesNotContain("partial");
        assertThat(joined.indexOf("alice")).as("sorted by subject")
                .isLessThan(joined.indexOf("bea")).isLessThan(joined.indexOf("bob"));
    }

    @Test
    void whileRedisIsDownTheJoinedReplyListsThisNodesMembersAtOnceAndSaysPartial() throws Exception {
        Node a = node("a");
        Node b = node("b");
        a.member("a-1", "alice");
        b.member("b-1", "bob");
        await().atMost(Duration.ofSeconds(5)).until(() -> members(a).size() == 2);

        redis.server().stop();
        long started = System.nanoTime();
        String joined = a.member("a-2", "carol").nextContaining("\"joined\"");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused by the bus, not waited for")
                .isLessThan(Duration.ofMillis(1_000));
        assertThat(joined).contains("\"memberCount\":2").contains("\"partial\":true")
                .contains("\"subject\":\"alice\"").contains("\"subject\":\"carol\"").doesNotContain("bob");
    }

    @Test
    void aRedisRestartIsNotTakenForTheDeathOfTheOtherNodes() throws Exception {
        Node a = node("a");
        Node b = node("b");
        CollectingPeer alice = a.member("a-1", "alice");
        b.member("b-1", "bob");
        sawJoin(alice, "bob");

        redis.server().stop();
        redis.server().startAgain(); // empty: every liveness key and hash is gone at once
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> members(a).size() == 2);

        alice.assertNoFrameContaining("\"leave\"", TTL.multipliedBy(2));
    }
}
