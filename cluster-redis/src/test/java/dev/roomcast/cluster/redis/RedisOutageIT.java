package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Relay;
import dev.roomcast.core.Clock;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real {@code redis-server} stopped under two connected nodes and started again (empty, as it
 * loses every key): local delivery goes on and relays fail at once, then the nodes subscribe again
 * and rewrite their presence without a restart.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class RedisOutageIT {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private RedisServer redis;
    private Hub hubA;
    private Hub hubB;
    private RedisClusterBus busA;
    private RedisClusterBus busB;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        busA = bus("a");
        busB = bus("b");
        hubA = new Hub(RoomcastConfig.defaults(), codec, Clock.system(), List.of(), busA, PresencePolicy.always(true));
        hubB = new Hub(RoomcastConfig.defaults(), codec, Clock.system(), List.of(), busB, PresencePolicy.always(true));
    }

    @AfterEach
    void stop() throws Exception {
        hubA.stop();
        hubB.stop();
        redis.close();
    }

    private RedisClusterBus bus(String node) {
        return RedisClusterBus.connect(RedisClusterConfig.builder(redis.uri()).nodeId(node)
                .presenceTtl(Duration.ofSeconds(3)).heartbeat(Duration.ofMillis(200))
                .commandTimeout(Duration.ofMillis(500)).reconnectDelay(Duration.ofMillis(100)).build());
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
        CollectingPeer alice = join(hubA, "a-1", "alice");
        CollectingPeer carol = join(hubA, "a-2", "carol");
        CollectingPeer bob = join(hubB, "b-1", "bob");

        redis.stop();
        long started = System.nanoTime();
        BroadcastResult result = say(hubA, "nobody else hears this").get(2, TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused, not waited for")
                .isLessThan(Duration.ofMillis(1_000));
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
        join(hubA, "a-1", "alice");
        CollectingPeer bob = join(hubB, "b-1", "bob");
        await().atMost(Duration.ofSeconds(5)).until(() -> members().size() == 2);

        redis.stop();
        redis.startAgain();
        assertThat(redis.command("DBSIZE")).as("a restarted Redis has lost every key").isEqualTo(":0");

        List<ClusterMember> expected = List.of(new ClusterMember("a", "a-1", "alice"), new ClusterMember("b", "b-1", "bob"));
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(this::members, expected::equals);
        assertThat(busA.presenceRebuildCount()).isPositive();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                say(hubA, "back").get(2, TimeUnit.SECONDS).relay() == Relay.RELAYED);
        assertThat(bob.nextContaining("\"back\"")).contains("\"message\"");
    }
}
