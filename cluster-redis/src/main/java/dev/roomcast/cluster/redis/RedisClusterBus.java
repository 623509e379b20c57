package dev.roomcast.cluster.redis;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Relay;
import dev.roomcast.core.ClusterBus;
import dev.roomcast.core.ClusterBus.RemoteMembers;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomName;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ClusterBus} on Redis: a room broadcast is delivered to this node's members, and its
 * encoded frame is published once on the cluster's Redis channel; every other node receives those
 * bytes and hands them to its own hub, which delivers them to its members. The frame is encoded once,
 * by the publishing node; a node skips the copy of its own frames that Redis sends back, so nobody
 * receives a message twice.
 *
 * <p><b>Presence.</b> Each node keeps, per room, a Redis hash of its members ({@code connection id →
 * subject}) and adds its id to the room's set of nodes, plus one liveness key that expires
 * {@link RedisClusterConfig#presenceTtl} after the node's last heartbeat; {@link #members} reads every
 * live node's hash. Presence <em>events</em> (join/leave) are room broadcasts of the hub, so they reach
 * every node like any message; the members of a node that died or stopped are reported by each other
 * node's {@link ClusterPresence} check, once, and announced by its hub as leaves. The {@code joined}
 * reply lists the other nodes' members through {@link #remoteMembers}.
 *
 * <p><b>Guarantees.</b> Redis pub/sub delivers at most once: a frame published while a node is
 * disconnected from Redis never reaches that node. A publish that Redis did not take completes with
 * {@link Relay#FAILED} (the publisher's transport answers with a {@code RELAY_FAILED} error); this
 * node's members got it regardless.
 *
 * <p><b>Faults.</b> No call waits for Redis: commands are sent asynchronously and, while Redis is
 * unreachable, refused at once (never queued), so an I/O thread or a room's lock is never held up.
 * Lettuce reconnects every {@link RedisClusterConfig#reconnectDelay} and subscribes the channel
 * again; the next heartbeat after Redis returns finds the presence keys missing (or a command
 * failed meanwhile) and writes every local member again.
 *
 * <p><b>States.</b> <em>open</em> ({@link #connect} returned: subscribed and heartbeating);
 * <em>stopping</em> ({@link #stopping}: leaves kept in Redis for the other nodes to announce);
 * <em>closed</em> ({@link #close}: liveness key deleted, connections closed; publishes relay nothing).
 * Thread-safe.
 */
public final class RedisClusterBus implements ClusterBus {
    private static final Logger log = LoggerFactory.getLogger(RedisClusterBus.class);
    /** First byte of every relayed message, so a later format can be told apart. */
    private static final byte FORMAT_V1 = 1;

    private final RedisClusterConfig config;
    private final String channelName;
    private final byte[] channel;
    private final byte[] nodeIdBytes;
    /** This bus's hold on the node's client; closed after the bus's connections. */
    private final SharedRedisClient.Lease lease;
    private final RedisClient client;
    /** Publishes frames; values are the raw bytes. */
    private final StatefulRedisConnection<byte[], byte[]> publisher;
    /** Presence keys and hashes, as text. */
    private final StatefulRedisConnection<String, String> commands;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final ScheduledExecutorService heartbeats;

    /** Set once by the hub before anything is published. */
    private volatile Subscriber subscriber;

    /** This node's members per room; changed under {@link #presenceLock}, read by the heartbeat under it too. */
    private final Map<RoomName, Map<String, String>> localMembers = new ConcurrentHashMap<>();
    /**
     * Orders presence changes with a rebuild: each change and each rebuild issues its commands under
     * this lock, so Redis receives them in the order the local map changed. Never held while waiting.
     */
    private final ReentrantLock presenceLock = new ReentrantLock();
    /** Set by any failed presence command; the next heartbeat that reaches Redis rewrites every key. */
    private final AtomicBoolean presenceDirty = new AtomicBoolean();
    /** Whether the last relay attempt succeeded; only for logging a change once, not every failure. */
    private final AtomicBoolean relayHealthy = new AtomicBoolean(true);
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Set once by {@link #stopping}: from then on leaves change only the local map, so the hashes keep
     * the members this node closes while stopping, for the other nodes to announce when it closes.
     */
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** Liveness, the dead-node check and the cluster-wide lists; created once connected. */
    private final ClusterPresence clusterPresence;

    private final AtomicLong relayed = new AtomicLong();
    private final AtomicLong relayFailures = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong presenceRebuilds = new AtomicLong();

    private RedisClusterBus(RedisClusterConfig config, SharedRedisClient shared) {
        this.config = config;
        this.channelName = config.prefix() + ":frames";
        this.channel = channelName.getBytes(StandardCharsets.UTF_8);
        this.nodeIdBytes = config.nodeId().getBytes(StandardCharsets.UTF_8);
        this.lease = shared.lease("cluster bus", config);
        this.client = lease.client();
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "roomcast-redis-heartbeat-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        StatefulRedisConnection<byte[], byte[]> pub = null;
        StatefulRedisConnection<String, String> cmd = null;
        StatefulRedisPubSubConnection<byte[], byte[]> sub = null;
        try {
            pub = client.connect(ByteArrayCodec.INSTANCE);
            cmd = client.connect(StringCodec.UTF8);
            sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] from, byte[] message) {
                    onRelayed(message);
                }
            });
            sub.sync().subscribe(channel);
            // Alive before any of our members can appear in a room's node set.
            cmd.sync().set(ClusterPresence.livenessKey(config, config.nodeId()), "1",
                    SetArgs.Builder.px(config.presenceTtl().toMillis()));
        } catch (RedisException e) {
            RedisConnections.closeQuietly("cluster bus", pub, cmd, sub);
            shutdownClient();
            throw new IllegalStateException("cluster bus: expected Redis at " + config.redisAddress()
                    + " to accept connections but it did not (" + e.getClass().getSimpleName() + ")", e);
        }
        this.publisher = pub;
        this.commands = cmd;
        this.subscription = sub;
        this.clusterPresence = new ClusterPresence(config, cmd);
        long period = config.heartbeat().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeatSafely, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Connects to Redis on a client of its own (shut down when the bus closes), subscribes the
     * cluster's channel and starts the heartbeat. Blocks until Redis answers (at most a few command
     * timeouts); throws {@link IllegalStateException} naming Redis's address (never its password) when
     * it is unreachable.
     */
    public static RedisClusterBus connect(RedisClusterConfig config) {
        Objects.requireNonNull(config, "config");
        return new RedisClusterBus(config, SharedRedisClient.open(config));
    }

    /**
     * As {@link #connect(RedisClusterConfig)}, with the bus's connections (pub/sub, publishing,
     * presence commands) on the node's {@code client}, which is shut down once its last user closed.
     * Throws {@link IllegalArgumentException} when {@code config} names another Redis or other timings
     * than the client's, {@link IllegalStateException} when the client is shut down.
     */
    public static RedisClusterBus connect(RedisClusterConfig config, SharedRedisClient client) {
        return new RedisClusterBus(Objects.requireNonNull(config, "config"), Objects.requireNonNull(client, "client"));
    }

    // ---- frames --------------------------------------------------------------------------------

    @Override
    public void subscribe(Subscriber subscriber) {
        if (this.subscriber != null) {
            throw new IllegalStateException("subscriber: expected one subscriber but one is already set");
        }
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
    }

    /**
     * Delivers to this node's members through the subscriber and publishes the frame once on Redis.
     * The stage completes when both are done: with the local counts and {@link Relay#RELAYED}, or
     * {@link Relay#FAILED} when Redis did not take the frame (unreachable, timed out, bus closed). Never waits.
     */
    @Override
    public CompletionStage<BroadcastResult> publish(RoomName room, Frame frame, Optional<ConnectionId> excluded) {
        Subscriber local = subscriber;
        if (local == null) {
            throw new IllegalStateException("publish before subscribe: the hub subscribes when it is created");
        }
        CompletionStage<BroadcastResult> delivered = local.deliver(room, frame, excluded);
        CompletableFuture<Relay> relay = relay(room, frame);
        return delivered.thenCombine(relay, BroadcastResult::withRelay);
    }

    private CompletableFuture<Relay> relay(RoomName room, Frame frame) {
        if (closed.get()) {
            return CompletableFuture.completedFuture(relayFailed(null));
        }
        RedisFuture<Long> published;
        try {
            published = publisher.async().publish(channel, encode(room, frame));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(relayFailed(e));
        }
        return published.toCompletableFuture().handle((receivers, error) -> {
            if (error != null) {
                return relayFailed(error);
            }
            relayed.incrementAndGet();
            if (relayHealthy.compareAndSet(false, true)) {
                log.info("cluster bus: relaying to Redis at {} again", config.redisAddress());
            }
            return Relay.RELAYED;
        });
    }

    private Relay relayFailed(Throwable error) {
        relayFailures.incrementAndGet();
        if (relayHealthy.compareAndSet(true, false)) {
            // Once per outage: a publish rate of thousands per second must not become as many log lines.
            log.warn("cluster bus: cannot relay to Redis at {} ({}); local members still receive",
                    config.redisAddress(), error == null ? "bus closed" : error.getClass().getSimpleName());
        }
        return Relay.FAILED;
    }

    /** {@code [1][node length: 2][node][room length: 2][room][frame]}: the frame's bytes untouched. */
    private byte[] encode(RoomName room, Frame frame) {
        byte[] roomBytes = room.value().getBytes(StandardCharsets.US_ASCII); // room names are ASCII
        ByteBuffer out = ByteBuffer.allocate(1 + 2 + nodeIdBytes.length + 2 + roomBytes.length + frame.length());
        out.put(FORMAT_V1).putShort((short) nodeIdBytes.length).put(nodeIdBytes)
                .putShort((short) roomBytes.length).put(roomBytes);
        frame.copyTo(out);
        return out.array();
    }

    /** A message from the channel, on Lettuce's event loop: hands other nodes' frames to the hub, which queues them on the room's lane. */
    private void onRelayed(byte[] message) {
        try {
            ByteBuffer in = ByteBuffer.wrap(message);
            if (in.get() != FORMAT_V1) {
                log.warn("cluster bus: ignored a relayed message of an unknown format on {}", channelName);
                return;
            }
            int nodeLength = in.getShort();
            if (nodeLength == nodeIdBytes.length
                    && Arrays.equals(message, in.position(), in.position() + nodeLength, nodeIdBytes, 0, nodeLength)) {
                return; // our own frame: delivered locally when it was published
            }
            in.position(in.position() + nodeLength);
            int roomLength = in.getShort();
            Optional<RoomName> room = RoomName.parse(new String(message, in.position(), roomLength, StandardCharsets.US_ASCII));
            in.position(in.position() + roomLength);
            Subscriber local = subscriber;
            if (room.isEmpty() || local == null || closed.get()) {
                return;
            }
            received.incrementAndGet();
            Frame frame = Frame.ofOwnedUtf8(Arrays.copyOfRange(message, in.position(), message.length));
            // Connection ids name connections of the publishing node only: nobody here is excluded.
            local.deliver(room.get(), frame, Optional.empty());
        } catch (RuntimeException e) {
            // A malformed message must not end the subscription's listener.
            log.warn("cluster bus: dropped a relayed message that could not be read ({})", e.getClass().getSimpleName());
        }
    }

    // ---- presence ------------------------------------------------------------------------------

    /** Records the member locally and writes it to Redis asynchronously; never waits. */
    @Override
    public void memberJoined(RoomName room, ConnectionId connection, String subject) {
        presenceLock.lock();
        try {
            localMembers.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(connection.value(), subject);
            if (closed.get()) {
                return;
            }
            RedisAsyncCommands<String, String> redis = commands.async();
            String key = presenceKey(room, config.nodeId());
            String nodes = nodesKey(room);
            long ttl = ClusterPresence.dataTtl(config).toMillis();
            watch(redis.hset(key, connection.value(), subject));
            watch(redis.pexpire(key, ttl));
            watch(redis.sadd(nodes, config.nodeId()));
            watch(redis.pexpire(nodes, ttl));
        } catch (RuntimeException e) {
            presenceDirty.set(true);
        } finally {
            presenceLock.unlock();
        }
    }

    /** Forgets the member locally and removes it from Redis asynchronously; never waits. */
    @Override
    public void memberLeft(RoomName room, ConnectionId connection) {
        presenceLock.lock();
        try {
            Map<String, String> members = localMembers.get(room);
            if (members == null || members.remove(connection.value()) == null) {
                return;
            }
            boolean last = members.isEmpty();
            if (last) {
                localMembers.remove(room);
            }
            if (closed.get() || stopping.get()) {
                return; // while stopping the hash keeps the member, for the other nodes to announce its leave
            }
            RedisAsyncCommands<String, String> redis = commands.async();
            if (last) {
                watch(redis.del(presenceKey(room, config.nodeId())));
                watch(redis.srem(nodesKey(room), config.nodeId()));
            } else {
                watch(redis.hdel(presenceKey(room, config.nodeId()), connection.value()));
            }
        } catch (RuntimeException e) {
            presenceDirty.set(true);
        } finally {
            presenceLock.unlock();
        }
    }

    /**
     * Every member of {@code room} on every live node (one whose liveness key has not expired), sorted
     * by subject, node and connection id. Asynchronous; fails when Redis is unreachable. Members of a
     * node that died disappear within {@link RedisClusterConfig#presenceTtl}; those of a node that
     * stopped, at once.
     */
    public CompletionStage<List<ClusterMember>> members(RoomName room) {
        return clusterPresence.members(room);
    }

    // ---- cluster presence (ClusterPresence) ----------------------------------------------------

    /** True: joins list the other nodes' members, read from Redis. */
    @Override
    public boolean spansNodes() {
        return true;
    }

    /**
     * Up to {@code limit} members of {@code room} on the other live nodes and their total; never
     * waits, completes within {@link RedisClusterConfig#presenceReadTimeout} (with
     * {@link RemoteMembers#UNAVAILABLE} when Redis does not answer).
     */
    @Override
    public CompletionStage<RemoteMembers> remoteMembers(RoomName room, int limit) {
        if (closed.get()) {
            return CompletableFuture.completedFuture(RemoteMembers.UNAVAILABLE);
        }
        return clusterPresence.remoteMembers(room, limit);
    }

    /** Sets who hears of the members of nodes that died or stopped; reported from the heartbeat thread. */
    @Override
    public void subscribeDepartures(DepartureSubscriber subscriber) {
        clusterPresence.subscribe(Objects.requireNonNull(subscriber, "subscriber"));
    }

    /**
     * From now on leaves are kept in Redis, and {@link #close} deletes only the liveness key: the other
     * nodes then announce the leaves of every member this node had when it began to stop, at their
     * next heartbeat, instead of each leave being lost (the hub announces none while stopping).
     */
    @Override
    public void stopping() {
        stopping.set(true);
    }

    private void watch(RedisFuture<?> command) {
        command.whenComplete((value, error) -> {
            if (error != null) {
                presenceDirty.set(true);
                clusterPresence.redisFailed();
            }
        });
    }

    private void heartbeatSafely() {
        try {
            heartbeat();
        } catch (RuntimeException | InterruptedException e) {
            presenceDirty.set(true);
            clusterPresence.redisFailed();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Refreshes the TTL of this node's presence keys; rewrites all of them instead when a command
     * failed since, or when a key is gone (Redis restarted, or the keys expired during an outage).
     * Runs on the bus's heartbeat thread, which may wait (bounded by the command timeout).
     */
    private void heartbeat() throws InterruptedException {
        if (closed.get()) {
            return;
        }
        long ttl = ClusterPresence.dataTtl(config).toMillis();
        RedisAsyncCommands<String, String> redis = commands.async();
        // First on the connection, so a room's node set never names us without our liveness key.
        watch(clusterPresence.writeLiveness(redis));
        try {
            refreshPresence(redis, ttl);
        } finally {
            if (!stopping.get()) {
                clusterPresence.check(Set.copyOf(localMembers.keySet()));
            }
        }
    }

    /** The heartbeat's presence part: refresh the TTLs, or rebuild every key when something was lost. */
    private void refreshPresence(RedisAsyncCommands<String, String> redis, long ttl) throws InterruptedException {
        if (!presenceDirty.get() || stopping.get()) {
            List<RedisFuture<Boolean>> refreshed = new ArrayList<>();
            presenceLock.lock();
            try {
                for (RoomName room : localMembers.keySet()) {
                    refreshed.add(redis.pexpire(presenceKey(room, config.nodeId()), ttl));
                    refreshed.add(redis.pexpire(nodesKey(room), ttl));
                }
            } finally {
                presenceLock.unlock();
            }
            for (RedisFuture<Boolean> r : refreshed) {
                if (!Boolean.TRUE.equals(await(r))) {
                    presenceDirty.set(true); // a key is missing: Redis lost it
                    break;
                }
            }
            if (!presenceDirty.get() || stopping.get()) {
                return; // stopping: a rebuild would drop the members closed meanwhile from the hash
            }
        }
        if (!"PONG".equals(await(redis.ping()))) {
            return; // still unreachable: try again next beat
        }
        presenceDirty.set(false); // cleared first: a change failing during the rebuild sets it again
        List<RedisFuture<?>> written = new ArrayList<>();
        presenceLock.lock();
        try {
            for (Map.Entry<RoomName, Map<String, String>> e : localMembers.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                String key = presenceKey(e.getKey(), config.nodeId());
                written.add(redis.del(key));
                written.add(redis.hset(key, Map.copyOf(e.getValue())));
                written.add(redis.pexpire(key, ttl));
                written.add(redis.sadd(nodesKey(e.getKey()), config.nodeId()));
                written.add(redis.pexpire(nodesKey(e.getKey()), ttl));
            }
        } finally {
            presenceLock.unlock();
        }
        for (RedisFuture<?> w : written) {
            await(w);
        }
        presenceRebuilds.incrementAndGet();
        log.info("cluster bus: presence of {} rooms written to Redis at {}", localMembers.size(), config.redisAddress());
    }

    /** The command's reply, or null when it failed or timed out (then the presence is marked for a rebuild). */
    private <T> T await(RedisFuture<T> command) throws InterruptedException {
        try {
            return command.get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            presenceDirty.set(true);
            clusterPresence.redisFailed();
            return null;
        }
    }

    private String presenceKey(RoomName room, String node) {
        return ClusterPresence.presenceKey(config, room, node);
    }

    private String nodesKey(RoomName room) {
        return ClusterPresence.nodesKey(config, room);
    }

    // ---- introspection -------------------------------------------------------------------------

    /** This node's name. */
    public String nodeId() {
        return config.nodeId();
    }

    /** Frames Redis took from this node for the other nodes. */
    public long relayedCount() {
        return relayed.get();
    }

    /** Frames this node could not relay (Redis unreachable or the bus closed). */
    public long relayFailureCount() {
        return relayFailures.get();
    }

    /** Frames received from other nodes and handed to the hub. */
    public long receivedCount() {
        return received.get();
    }

    /** How often the heartbeat has rewritten this node's presence (after Redis lost it or a write failed). */
    public long presenceRebuildCount() {
        return presenceRebuilds.get();
    }

    // ---- close ---------------------------------------------------------------------------------

    /**
     * Stops the heartbeat, deletes this node's liveness key (waiting at most one command timeout, so
     * its members vanish from every list at once rather than after the TTL, and the other nodes
     * announce their leaves at their next heartbeat), and closes the connections. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        heartbeats.shutdownNow();
        try {
            RedisAsyncCommands<String, String> redis = commands.async();
            List<RedisFuture<?>> deleted = new ArrayList<>();
            // Our members leave every list now; the hashes stay (until they expire) for the other nodes
            // to read whom to announce as left: nobody is left here to announce it.
            deleted.add(clusterPresence.deleteLiveness(redis));
            presenceLock.lock();
            try {
                localMembers.clear();
            } finally {
                presenceLock.unlock();
            }
            for (RedisFuture<?> d : deleted) {
                await(d);
            }
        } catch (RuntimeException e) {
            log.debug("cluster bus: presence keys left to expire ({})", e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RedisConnections.closeQuietly("cluster bus", publisher, commands, subscription);
        shutdownClient();
    }

    /**
     * Ends the bus as a killed process would: no heartbeat, connections dropped, liveness and presence keys left
     * in Redis to expire. Package-private, for the tests of expiry.
     */
    void abandon() {
        if (closed.compareAndSet(false, true)) {
            RedisConnections.closeQuietly("cluster bus", publisher, commands, subscription);
            shutdownClient();
        }
    }

    /** Lets go of the node's client, which shuts down once its other users have too. */
    private void shutdownClient() {
        heartbeats.shutdownNow();
        lease.close();
    }

    /** Whether the publishing connection is up (Lettuce has seen no disconnect). Package-private, for tests. */
    boolean publisherConnected() {
        return publisher.isOpen();
    }

    /** The node's client this bus connects on. Package-private, for tests. */
    SharedRedisClient sharedClient() {
        return lease.owner();
    }
}
