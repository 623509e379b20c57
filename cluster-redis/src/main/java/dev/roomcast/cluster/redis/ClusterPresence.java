package dev.roomcast.cluster.redis;

import dev.roomcast.core.ClusterBus.DepartureSubscriber;
import dev.roomcast.core.ClusterBus.RemoteMember;
import dev.roomcast.core.ClusterBus.RemoteMembers;
import dev.roomcast.core.RoomName;
import io.lettuce.core.MapScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cross-node half of a {@link RedisClusterBus}'s presence: the node's liveness key, the check
 * that finds the nodes that died or stopped and reports their members as departed, and the reads of
 * the cluster-wide member lists.
 *
 * <p><b>Why a liveness key and a check, not keyspace notifications.</b> Notifications are off by
 * default ({@code notify-keyspace-events ""}), many managed Redis services refuse {@code CONFIG SET},
 * they are pub/sub (a node disconnected at the moment of the expiry never hears of it), and Redis
 * sends an expiry event when it gets round to removing the key, not when the TTL ran out. A key per
 * node ({@code <prefix>:node:<id>}, {@link RedisClusterConfig#presenceTtl} long, rewritten every
 * heartbeat) plus a read by every other node at each of its heartbeats needs nothing of Redis and
 * cannot be missed: a node that was away at the time sees the expired key at its next check.
 *
 * <p><b>Timing.</b> A node's presence hashes live {@link #dataTtl} (twice the liveness TTL) after its
 * last heartbeat, so that the survivors can still read whom to announce when the liveness key is
 * gone. Every list filters out nodes without a liveness key, so a dead node's members leave the lists
 * within {@code presenceTtl}, and the survivors announce their leaves within {@code presenceTtl +
 * heartbeat} of its last heartbeat (a stopped node deletes its key at once: one {@code heartbeat}).
 *
 * <p>A node judges no other for one {@code presenceTtl} after it started or saw Redis fail, so an
 * outage of Redis never passes for the death of every node.
 *
 * <p><b>Exactly once.</b> Each node announces to its own members only, and remembers which nodes it
 * has reported, so a member is announced once per surviving node. Members that left with a leave of
 * their own were removed from the hash first and are not announced again. Not thread-safe: {@link
 * #check} runs on the bus's heartbeat thread only; the reads may run on any thread.
 */
final class ClusterPresence {
    private static final Logger log = LoggerFactory.getLogger(ClusterPresence.class);

    private final RedisClusterConfig config;
    private final StatefulRedisConnection<String, String> commands;
    /** Set once by the hub; null until then (nothing to announce to). */
    private volatile DepartureSubscriber departures;
    /**
     * Nodes this node has reported as departed, with when (nanoTime); only the heartbeat thread
     * changes it. Kept for {@code 2 × dataTtl}, after which their hashes are gone anyway.
     */
    private final Map<String, Long> reported = new ConcurrentHashMap<>();
    /**
     * When (nanoTime) this node last saw Redis fail; it judges no other node until a full
     * {@code presenceTtl} has passed since. Another node's key may have lapsed only because Redis was
     * away (a persisted Redis reloads its keys with their old expiry times), and that node rewrites it
     * at its next heartbeat. Written by any thread that sees a failure, read by the heartbeat thread.
     */
    private volatile long lastFailure = System.nanoTime();

    ClusterPresence(RedisClusterConfig config, StatefulRedisConnection<String, String> commands) {
        this.config = config;
        this.commands = commands;
    }

    void subscribe(DepartureSubscriber subscriber) {
        if (departures != null) {
            throw new IllegalStateException("departures: expected one subscriber but one is already set");
        }
        departures = subscriber;
    }

    // ---- keys ----------------------------------------------------------------------------------

    static String presenceKey(RedisClusterConfig config, RoomName room, String node) {
        return config.prefix() + ":presence:" + room.value() + ":" + node;
    }

    static String nodesKey(RedisClusterConfig config, RoomName room) {
        return config.prefix() + ":presence-nodes:" + room.value();
    }

    static String livenessKey(RedisClusterConfig config, String node) {
        return config.prefix() + ":node:" + node;
    }

    /** How long presence hashes and room node sets outlive the last heartbeat: twice the liveness TTL. */
    static Duration dataTtl(RedisClusterConfig config) {
        return config.presenceTtl().multipliedBy(2);
    }

    // ---- liveness ------------------------------------------------------------------------------

    /** Notes a failed Redis command: no node is judged dead for the next {@code presenceTtl}. */
    void redisFailed() {
        lastFailure = System.nanoTime();
    }

    /** (Re)writes this node's liveness key with a fresh TTL; asynchronous. */
    RedisFuture<String> writeLiveness(RedisAsyncCommands<String, String> redis) {
        return redis.set(livenessKey(config, config.nodeId()), "1",
                SetArgs.Builder.px(config.presenceTtl().toMillis()));
    }

    /** Deletes this node's liveness key: the other nodes treat it as gone from now on. */
    RedisFuture<Long> deleteLiveness(RedisAsyncCommands<String, String> redis) {
        return redis.del(livenessKey(config, config.nodeId()));
    }

    /**
     * Finds the nodes sharing a room with this node ({@code rooms}: those with local members) whose
     * liveness key is gone, and reports each one's members of those rooms to the departure subscriber,
     * once per node. A node whose key cannot be read (Redis unreachable) is not judged: it is looked
     * at again next time. Runs on the heartbeat thread; each wait is bounded by the command timeout.
     */
    void check(Collection<RoomName> rooms) throws InterruptedException {
        if (System.nanoTime() - lastFailure < config.presenceTtl().toNanos()) {
            return;
        }
        RedisAsyncCommands<String, String> redis = commands.async();
        Map<RoomName, RedisFuture<Set<String>>> nodeSets = new LinkedHashMap<>();
        for (RoomName room : rooms) {
            nodeSets.put(room, redis.smembers(nodesKey(config, room)));
        }
        Map<String, List<RoomName>> roomsByNode = new LinkedHashMap<>();
        for (Map.Entry<RoomName, RedisFuture<Set<String>>> e : nodeSets.entrySet()) {
            Set<String> nodes = await(e.getValue());
            if (nodes == null) {
                return; // Redis is away: judge nobody on a partial view
            }
            for (String node : nodes) {
                if (!node.equals(config.nodeId())) {
                    roomsByNode.computeIfAbsent(node, n -> new ArrayList<>()).add(e.getKey());
                }
            }
        }
        Map<String, RedisFuture<Long>> alive = new LinkedHashMap<>();
        for (String node : roomsByNode.keySet()) {
            alive.put(node, redis.exists(livenessKey(config, node)));
        }
        for (Map.Entry<String, RedisFuture<Long>> e : alive.entrySet()) {
            Long found = await(e.getValue());
            if (found == null) {
                return;
            }
            String node = e.getKey();
            if (found > 0) {
                reported.remove(node); // back (a long pause, a partition): a later death is news again
            } else if (!reported.containsKey(node)) {
                if (!reportDeparted(redis, node, roomsByNode.get(node))) {
                    return;
                }
                reported.put(node, System.nanoTime());
            }
        }
        long keep = dataTtl(config).multipliedBy(2).toNanos();
        long now = System.nanoTime();
        reported.values().removeIf(at -> now - at > keep);
    }

    /** Reads {@code node}'s members of {@code rooms} and reports them; false when Redis did not answer. */
    private boolean reportDeparted(RedisAsyncCommands<String, String> redis, String node, List<RoomName> rooms)
            throws InterruptedException {
        Map<RoomName, RedisFuture<Map<String, String>>> hashes = new LinkedHashMap<>();
        for (RoomName room : rooms) {
            hashes.put(room, redis.hgetall(presenceKey(config, room, node)));
        }
        Map<RoomName, List<RemoteMember>> gone = new LinkedHashMap<>();
        for (Map.Entry<RoomName, RedisFuture<Map<String, String>>> e : hashes.entrySet()) {
            Map<String, String> hash = await(e.getValue());
            if (hash == null) {
                return false;
            }
            if (hash.isEmpty()) {
                redis.srem(nodesKey(config, e.getKey()), node); // its hash expired: nothing left to announce
                continue;
            }
            List<RemoteMember> list = new ArrayList<>(hash.size());
            hash.forEach((connection, subject) -> list.add(RemoteMember.of(node, connection, subject)));
            list.sort(Comparator.comparing(RemoteMember::subject).thenComparing(m -> m.connectionId().value()));
            gone.put(e.getKey(), list);
        }
        int count = gone.values().stream().mapToInt(List::size).sum();
        log.info("cluster bus: node {} is gone (no liveness key); announcing {} of its members as left", node, count);
        DepartureSubscriber subscriber = departures;
        if (subscriber != null) {
            gone.forEach((room, list) -> {
                try {
                    subscriber.departed(room, list);
                } catch (RuntimeException ex) {
                    log.warn("cluster bus: announcing the departed members of {} failed", room, ex);
                }
            });
        }
        return true;
    }

    // ---- lists ---------------------------------------------------------------------------------

    /**
     * Every member of {@code room} on every node that has a liveness key, sorted by subject, node and
     * connection id. Asynchronous; fails when Redis is unreachable.
     */
    CompletionStage<List<ClusterMember>> members(RoomName room) {
        RedisAsyncCommands<String, String> redis = commands.async();
        return redis.smembers(nodesKey(config, room)).toCompletableFuture().thenCompose(nodes -> {
            List<CompletableFuture<List<ClusterMember>>> parts = new ArrayList<>();
            for (String node : nodes) {
                CompletableFuture<Long> live = redis.exists(livenessKey(config, node)).toCompletableFuture();
                CompletableFuture<Map<String, String>> hash = redis.hgetall(presenceKey(config, room, node)).toCompletableFuture();
                parts.add(live.thenCombine(hash, (found, members) -> {
                    if (members.isEmpty()) {
                        redis.srem(nodesKey(config, room), node); // its hash expired: a dead node, tidied lazily
                    }
                    List<ClusterMember> list = new ArrayList<>(members.size());
                    if (found > 0) {
                        members.forEach((connection, subject) -> list.add(new ClusterMember(node, connection, subject)));
                    }
                    return list;
                }));
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<ClusterMember> all = new ArrayList<>();
                parts.forEach(p -> all.addAll(p.join()));
                all.sort(Comparator.comparing(ClusterMember::subject).thenComparing(ClusterMember::nodeId)
                        .thenComparing(ClusterMember::connectionId));
                return all;
            });
        });
    }

    /**
     * Up to {@code limit} members of {@code room} on the other live nodes and their total: per node a
     * length and one {@code HSCAN} page, so a join costs the same in a room of ten as of ten thousand.
     * Completes within {@link RedisClusterConfig#presenceReadTimeout}, with {@link RemoteMembers#UNAVAILABLE}
     * when Redis does not answer in time (refused at once while it is unreachable).
     */
    CompletionStage<RemoteMembers> remoteMembers(RoomName room, int limit) {
        RedisAsyncCommands<String, String> redis;
        CompletableFuture<Set<String>> nodes;
        try {
            redis = commands.async();
            nodes = redis.smembers(nodesKey(config, room)).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(RemoteMembers.UNAVAILABLE);
        }
        return nodes.thenCompose(found -> {
            List<CompletableFuture<NodePart>> parts = new ArrayList<>();
            for (String node : found) {
                if (node.equals(config.nodeId())) {
                    continue;
                }
                String key = presenceKey(config, room, node);
                CompletableFuture<Long> live = redis.exists(livenessKey(config, node)).toCompletableFuture();
                CompletableFuture<Long> length = redis.hlen(key).toCompletableFuture();
                CompletableFuture<MapScanCursor<String, String>> page =
                        redis.hscan(key, ScanCursor.INITIAL, ScanArgs.Builder.limit(limit)).toCompletableFuture();
                parts.add(live.thenCombine(length, (l, n) -> l > 0 ? n : 0L)
                        .thenCombine(page, (n, p) -> new NodePart(node, n, n == 0 ? Map.of() : p.getMap())));
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<RemoteMember> sample = new ArrayList<>();
                long count = 0;
                for (CompletableFuture<NodePart> p : parts) {
                    NodePart part = p.join();
                    count += part.length();
                    for (Map.Entry<String, String> m : part.page().entrySet()) {
                        if (sample.size() < limit) {
                            sample.add(RemoteMember.of(part.node(), m.getKey(), m.getValue()));
                        }
                    }
                }
                return RemoteMembers.of(sample, (int) Math.min(Integer.MAX_VALUE, Math.max(count, sample.size())));
            });
        }).orTimeout(config.presenceReadTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(error -> RemoteMembers.UNAVAILABLE);
    }

    private record NodePart(String node, long length, Map<String, String> page) {
    }

    /** The reply, or null when the command failed or timed out. */
    private <T> T await(RedisFuture<T> command) throws InterruptedException {
        try {
            return command.get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            redisFailed();
            return null;
        }
    }
}
