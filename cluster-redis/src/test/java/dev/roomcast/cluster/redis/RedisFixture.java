package dev.roomcast.cluster.redis;

import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.PresencePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shared setup of every test that runs Roomcast nodes on a real {@code redis-server}: a JUnit
 * extension, registered on a static field ({@code @RegisterExtension static final RedisFixture redis =
 * RedisFixture.perClass();}), that starts a {@link RedisServer} (one for the class, or a fresh one per
 * test for tests that stop it), gives each test its own key prefix so tests sharing a server never see
 * each other's keys, builds nodes the way the Dagger modules do (bus and history on one
 * {@link SharedRedisClient}), and after each test closes what the test opened, newest first, then
 * (per test) stops the server. Lives in the module's test-jar: the client's and the examples' tests use it too.
 */
public final class RedisFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    /** Quick reconnects, so a test of an outage waits little for the nodes to come back. */
    public static final Duration RECONNECT_DELAY = Duration.ofMillis(100);
    /** Short command timeout, so a test of an unreachable Redis fails its commands soon. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final boolean perTest;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private RedisServer server;
    private String prefix;

    private RedisFixture(boolean perTest) {
        this.perTest = perTest;
    }

    /** One {@code redis-server} for the test class; a fresh key prefix per test. */
    public static RedisFixture perClass() {
        return new RedisFixture(false);
    }

    /** A fresh {@code redis-server} for each test, for tests that stop, restart or empty it. */
    public static RedisFixture perTest() {
        return new RedisFixture(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (!perTest) {
            server = RedisServer.start();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (perTest) {
            server = RedisServer.start();
        }
        prefix = "t" + PREFIXES.incrementAndGet() + "-" + System.nanoTime();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (AutoCloseable c : cleanup.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                first = first == null ? e : first; // close the rest regardless
            }
        }
        cleanup.clear();
        if (perTest) {
            server.close();
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!perTest) {
            server.close();
        }
    }

    /** The running server (stop and start it again to simulate an outage; per-test fixtures only). */
    public RedisServer server() {
        return server;
    }

    /** {@code redis://127.0.0.1:port} of {@link #server}. */
    public String uri() {
        return server.uri();
    }

    /** This test's key and channel prefix: nodes built with it form one cluster, apart from other tests'. */
    public String prefix() {
        return prefix;
    }

    /**
     * A configuration for node {@code nodeId} of this test's cluster on {@link #server}: this test's
     * prefix, {@link #RECONNECT_DELAY} and {@link #COMMAND_TIMEOUT}; other options at their defaults.
     */
    public RedisClusterConfig.Builder config(String nodeId) {
        return config(server, nodeId);
    }

    /** As {@link #config(String)}, on another server the test started itself. */
    public RedisClusterConfig.Builder config(RedisServer on, String nodeId) {
        return RedisClusterConfig.builder(on.uri()).nodeId(nodeId).prefix(prefix)
                .reconnectDelay(RECONNECT_DELAY).commandTimeout(COMMAND_TIMEOUT);
    }

    /** A node with a bus only, on a client of its own; closed after the test. */
    public Node node(RedisClusterConfig config) {
        return node(config, Optional.empty());
    }

    /** A node with a bus and a history keeping {@code histories}, both on one client; closed after the test. */
    public Node node(RedisClusterConfig config, RoomHistoryConfig histories) {
        return node(config, Optional.of(histories));
    }

    private Node node(RedisClusterConfig config, Optional<RoomHistoryConfig> histories) {
        SharedRedisClient client = closeAfterEach(SharedRedisClient.open(config)); // closed last
        RedisClusterBus bus = closeAfterEach(RedisClusterBus.connect(config, client));
        Optional<RedisRoomHistory> history = histories.map(h -> closeAfterEach(RedisRoomHistory.connect(config, h, client)));
        return new Node(client, bus, history);
    }

    /**
     * A hub on {@code node}'s bus and history (default {@link RoomcastConfig}), stopped after the test
     * before its node's connections: stopping closes the bus and the history, as in production.
     */
    public Hub hub(Node node, EnvelopeCodec codec, PresencePolicy presence) {
        return hub(node, RoomcastConfig.defaults(), codec, presence);
    }

    /** As {@link #hub(Node, EnvelopeCodec, PresencePolicy)}, with {@code config}. */
    public Hub hub(Node node, RoomcastConfig config, EnvelopeCodec codec, PresencePolicy presence) {
        Hub hub = new Hub(config, codec, Clock.system(), List.of(), node.bus(), presence, node.history().map(h -> h));
        AutoCloseable stop = hub::stop;
        closeAfterEach(stop);
        return hub;
    }

    /** Closes {@code closeable} after the current test, before whatever was registered earlier. */
    public <T extends AutoCloseable> T closeAfterEach(T closeable) {
        cleanup.add(closeable);
        return closeable;
    }

    /**
     * One Roomcast node's Redis side: its one client and the bus and (optionally) history connected on it.
     *
     * @param client  the node's Lettuce client, shut down when the bus and the history have closed
     * @param bus     the cluster bus
     * @param history the room history, when the node keeps one
     */
    public record Node(SharedRedisClient client, RedisClusterBus bus, Optional<RedisRoomHistory> history) {
    }
}
