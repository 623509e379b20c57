package dev.roomcast.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.BroadcastResult.Relay;
import dev.roomcast.core.Clock;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomHistoryConfig;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One Lettuce client per node, against a real {@code redis-server}: a node wired as the Dagger modules
 * wire it (bus and history on {@link RedisClientModule}'s client) runs one set of Lettuce event-loop
 * threads, and stopping it shuts that client down once, after both users closed, leaving no Lettuce
 * thread behind.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedRedisClientIT {
    private static final RoomName LOG = RoomName.of("log");
    private static final RoomHistoryConfig HISTORIES = RoomHistoryConfig.builder().room(LOG, 100, Duration.ofMinutes(5)).build();
    /** Netty names event-loop threads {@code lettuce-<kind>EventLoop-<pool>-<thread>}; one pool per client. */
    private static final Pattern EVENT_LOOP = Pattern.compile("lettuce-\\w*EventLoop-(\\d+)-\\d+");

    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perClass();

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);

    /** Live Lettuce threads (every thread Lettuce and its Netty pools name {@code lettuce-…}). */
    private static Set<Thread> lettuceThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("lettuce-")).collect(Collectors.toSet());
    }

    @Test
    void aNodeWithBusAndHistoryRunsOneClientAndStoppingItShutsTheClientDownOnceLeavingNoLettuceThread() throws Exception {
        Set<Thread> before = lettuceThreads();
        RedisClusterConfig config = redis.config("a").build();
        // As a component with RedisClusterModule and RedisHistoryModule builds the node.
        SharedRedisClient client = RedisClientModule.sharedRedisClient(config);
        RedisClusterBus bus = RedisClusterModule.redisClusterBus(config, client);
        RedisRoomHistory history = RedisHistoryModule.redisRoomHistory(config, HISTORIES, client);
        Hub hub = new Hub(RoomcastConfig.defaults(), codec, Clock.system(), List.of(), bus, PresencePolicy.always(false),
                Optional.of(history));
        CollectingPeer alice = new CollectingPeer("a-1", "alice");
        assertThat(hub.tryConnect(alice)).isInstanceOf(Admission.Admitted.class);
        assertThat(hub.tryJoin(alice, LOG.value(), Optional.empty())).isInstanceOf(JoinResult.Joined.class);
        assertThat(hub.broadcastRoom(LOG, Envelope.toRoom("message", LOG, codec.toPayload(Map.of("text", "hi"))),
                Optional.empty()).get(5, TimeUnit.SECONDS).relay()).as("stored and relayed through Redis").isEqualTo(Relay.RELAYED);
        assertThat(alice.nextContaining("\"hi\"")).contains("\"offset\":1");

        Set<Thread> started = lettuceThreads();
        started.removeAll(before);
        Set<String> pools = started.stream().map(t -> EVENT_LOOP.matcher(t.getName())).filter(Matcher::matches)
                .map(m -> m.group(1)).collect(Collectors.toSet());
        assertThat(pools).as("event-loop pools of the node's Lettuce threads %s", started).hasSize(1);
        assertThat(bus.sharedClient()).isSameAs(client);
        assertThat(history.sharedClient()).isSameAs(client);
        assertThat(client.openLeases()).isEqualTo(2);

        hub.stop(); // closes the bus, then the history

        assertThat(client.isShutDown()).isTrue();
        assertThat(client.shutdownCount()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Set<Thread> left = lettuceThreads();
            left.removeAll(before);
            assertThat(left).as("Lettuce threads left after the node stopped").isEmpty();
        });
        history.close();
        bus.close();
        client.close();
        assertThat(client.shutdownCount()).as("closing again shuts nothing down again").isEqualTo(1);
    }

    @Test
    void theClientOutlivesTheBusUntilTheHistoryHasClosedToo() throws Exception {
        RedisClusterConfig config = redis.config("a").build();
        SharedRedisClient client = redis.closeAfterEach(SharedRedisClient.open(config));
        RedisClusterBus bus = redis.closeAfterEach(RedisClusterBus.connect(config, client));
        RedisRoomHistory history = redis.closeAfterEach(RedisRoomHistory.connect(config, HISTORIES, client));

        bus.close();

        assertThat(client.isShutDown()).isFalse();
        assertThat(client.openLeases()).isEqualTo(1);
        assertThat(history.append(LOG, Frame.ofOwnedUtf8("{\"type\":\"message\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Optional.empty()).toCompletableFuture().get(5, TimeUnit.SECONDS).offset()).as("the history still reaches Redis")
                .isEqualTo(1);
        history.close();
        assertThat(client.isShutDown()).isTrue();
        assertThat(client.shutdownCount()).isEqualTo(1);
    }

    @Test
    void aShutDownClientConnectsNoNewUserAndNamesIt() {
        RedisClusterConfig config = redis.config("a").build();
        SharedRedisClient client = SharedRedisClient.open(config);
        client.close();

        assertThatThrownBy(() -> RedisClusterBus.connect(config, client)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cluster bus").hasMessageContaining("shut down");
        assertThat(client.shutdownCount()).isEqualTo(1);
    }

    @Test
    void aUserConfiguredForOtherTimingsThanTheClientIsRefused() {
        SharedRedisClient client = redis.closeAfterEach(SharedRedisClient.open(redis.config("a").build()));

        assertThatThrownBy(() -> RedisRoomHistory.connect(redis.config("a").commandTimeout(Duration.ofSeconds(9)).build(),
                HISTORIES, client)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
        assertThat(client.openLeases()).isZero();
    }
}
