package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Relay;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.Admission;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.hub.PresencePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real {@code redis-server} stopped under two connected nodes and started again (empty, as it
 * loses every key): local delivery goes on and relays fail at once, then the nodes subscribe again
 * and rewrite their presence without a restart.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class RedisOutageIT {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    /** A fresh server per test: each test stops it. */
    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perTest();

    private Hub hubA;
    private Hub hubB;
    private RedisClusterBus busA;
    private RedisClusterBus busB;

    /**
     * A command timeout far longer than any scheduling delay of a loaded machine: a relay that fails
     * well within it was refused, not queued until it timed out; one that waited for it was queued.
     */
    private static final Duration LONG_COMMAND_TIMEOUT = Duration.ofSeconds(10);

    /** Nodes a and b, each with its hub; the fixture stops the hubs after the test, then Redis. */
    private void startNodes(Duration commandTimeout) {
        RedisFixture.Node a = node("a", commandTimeout);
        RedisFixture.Node b = node("b", commandTimeout);
        busA = a.bus();
        busB = b.bus();
        hubA = redis.hub(a, codec, PresencePolicy.always(true));
        hubB = redis.hub(b, codec, PresencePolicy.always(true));
    }

    private RedisFixture.Node node(String node, Duration commandTimeout) {
        return redis.node(redis.config(node).presenceTtl(Duration.ofSeconds(3)).heartbeat(Duration.ofMillis(200))
                .commandTimeout(commandTimeout).build());
    }

    private static CollectingPeer join(Hub hub, String id, String subject) {
        CollectingPeer peer = new CollectingPeer(id, subject);
        assertThat(hub.tryConnect(peer)).isInstanceOf(Admission.Admitted.class);
        assertThat(hub.tryJoin(peer, LOBBY.value(), Optional.empty())).isInstanceOf(JoinResult.Joined.class);
        return peer;
    }

    private CompletableFuture<BroadcastResult> say(Hub hub, String text) {
        return hub.broadcastRoom(LOBBY, Envelope.toRoom("message", LOBBY, codec.toPayload(Map.of("text", text))),
                Optional.empty());
    }

    private List<ClusterMember> members() throws Exception {
        return busB.members(LOBBY).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }

    @Test
    void whileRedisIsDownLocalMembersReceiveAndTheRelayFailsAtOnce() throws Exception {
        startNodes(LONG_COMMAND_TIMEOUT);
        CollectingPeer alice = join(hubA, "a-1", "alice");
        CollectingPeer carol = join(hubA, "a-2", "carol");
        CollectingPeer bob = join(hubB, "b-1", "bob");

        redis.server().stop();
        // Measured once the node knows Redis is gone: a command sent just before Lettuce saw the socket
        // close is kept for the reconnect, and that wait is not what this test is about.
        await().atMost(Duration.ofSeconds(5)).until(() -> !busA.publisherConnected());
        long started = System.nanoTime();
        BroadcastResult result = say(hubA, "nobody else hears this")
                .get(LONG_COMMAND_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);

        // Relative to the command timeout, not an absolute bound: a loaded machine took 2.8 s once, but a
        // publish queued while disconnected would complete only when its command timed out (10 s).
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused, not queued until the command timeout")
                .isLessThan(LONG_COMMAND_TIMEOUT.dividedBy(2));
        assertThat(result.relay()).isEqualTo(Relay.FAILED);
        assertThat(result.attempted()).isEqualTo(2);
        assertThat(result.enqueued()).isEqualTo(2);
        assertThat(alice.nextContaining("nobody else hears this")).contains("\"message\"");
        assertThat(carol.nextContaining("nobody else hears this")).contains("\"message\"");
        assertThat(busA.relayFailureCount()).isPositive();
        bob.assertNoFrameContaining("nobody else hears this", Duration.ofMillis(300));
    }

    @Test
    void whenRedisReturnsTheNodesSubscribeAgainAndRebuildPresence() throws Exception {
        startNodes(RedisFixture.COMMAND_TIMEOUT);
        join(hubA, "a-1", "alice");
        CollectingPeer bob = join(hubB, "b-1", "bob");
        await().atMost(Duration.ofSeconds(5)).until(() -> members().size() == 2);

        redis.server().stop();
        redis.server().startAgain();
        assertThat(redis.server().command("DBSIZE")).as("a restarted Redis has lost every key").isEqualTo(":0");

        List<ClusterMember> expected = List.of(new ClusterMember("a", "a-1", "alice"), new ClusterMember("b", "b-1", "bob"));
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(this::members, expected::equals);
        assertThat(busA.presenceRebuildCount()).isPositive();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                say(hubA, "back").get(2, TimeUnit.SECONDS).relay() == Relay.RELAYED);
        assertThat(bob.nextContaining("\"back\"")).contains("\"message\"");
    }
}
