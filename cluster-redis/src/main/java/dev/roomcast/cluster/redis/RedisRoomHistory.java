package dev.roomcast.cluster.redis;

import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.HistoryRead;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.StreamPosition;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RoomHistory} on Redis Streams: each history room has a stream of its recent messages and a
 * small hash with its last offset and its epoch. One Lua script per message takes the next offset
 * ({@code HINCRBY}), writes the offset and epoch into the frame, appends it to the stream
 * ({@code XADD … MAXLEN}, then {@code XTRIM … MINID} for the age) and publishes it on the cluster's
 * history channel; Redis runs a script as one step, so every node receives a room's messages in
 * offset order, with no offset twice or skipped. The publishing node receives its own messages from
 * the channel too: that keeps its members in the same order as everyone else's, at the cost of one
 * round trip to Redis before they see it.
 *
 * <p><b>Epoch.</b> A random id kept in the room's hash. When the hash is gone (Redis restarted empty,
 * {@code FLUSHALL}, the key deleted) the next script starts a new epoch at offset 0 and drops the
 * stream, so a client's old position is never taken for a new one: it is answered
 * {@code recovered:false}. A stream that merely expired (idle longer than the room's age) keeps its
 * epoch and offsets; its missed messages are gone, which also reads as not recovered.
 *
 * <p><b>Faults.</b> Nothing waits for Redis: while it is unreachable commands fail at once (never
 * queued), an append fails (the hub then delivers locally, unstamped, and reports the relay failed)
 * and a read fails (the hub answers the join {@code recovered:false}). Pub/sub delivers at most once:
 * a message published while this node is disconnected never reaches its members live, but stays in
 * the history for clients to recover.
 *
 * <p><b>States.</b> <em>open</em> ({@link #connect} returned: subscribed); <em>closed</em>
 * ({@link #close}: connections closed; appends and reads fail). Thread-safe.
 */
public final class RedisRoomHistory implements RoomHistory {
    private static final Logger log = LoggerFactory.getLogger(RedisRoomHistory.class);

    /**
     * KEYS: meta hash, stream. ARGV: frame, new epoch, max entries, max age ms, channel, header.
     * The frame is a JSON object (the codec's output): its closing brace is replaced by the two fields.
     */
    private static final String APPEND = """
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if not epoch then
              epoch = ARGV[2]
              redis.call('HSET', KEYS[1], 'epoch', epoch)
              redis.call('DEL', KEYS[2])
            end
            local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
            local stamped = string.sub(ARGV[1], 1, -2) .. ',"offset":' .. offset .. ',"epoch":"' .. epoch .. '"}'
            redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], '*', 'o', offset, 'f', stamped)
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('XTRIM', KEYS[2], 'MINID', now - tonumber(ARGV[4]))
            redis.call('PEXPIRE', KEYS[2], ARGV[4])
            redis.call('PUBLISH', ARGV[5], ARGV[6] .. offset .. '\\n' .. epoch .. '\\n' .. stamped)
            return {offset, epoch}
            """;

    /**
     * KEYS: meta hash, stream. ARGV: new epoch, since offset (-1: none), since epoch, limit, max age ms.
     * Returns {latest offset, epoch, then offset and frame of each message after since, oldest first};
     * only the first two when nothing is to be read or more than the limit was missed.
     */
    private static final String READ = """
            local epoch = redis.call('HGET', KEYS[1], 'epoch')
            if not epoch then
              epoch = ARGV[1]
              redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
              redis.call('DEL', KEYS[2])
            end
            local latest = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
            local since = tonumber(ARGV[2])
            local want = latest - since
            if since < 0 or epoch ~= ARGV[3] or want <= 0 or want > tonumber(ARGV[4]) then
              return {latest, epoch}
            end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('XTRIM', KEYS[2], 'MINID', now - tonumber(ARGV[5]))
            local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', want)
            local out = {latest, epoch}
            for i = #entries, 1, -1 do
              local fields = entries[i][2]
              out[#out + 1] = fields[2]
              out[#out + 1] = fields[4]
            end
            return out
            """;

    private final RedisClusterConfig cluster;
    private final RoomHistoryConfig rooms;
    private final byte[] channel;
    private final String nodeId;
    private static final byte[] EPOCH_FIELD = "epoch".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFFSET_FIELD = "offset".getBytes(StandardCharsets.US_ASCII);
    private final byte[] appendScript = APPEND.getBytes(StandardCharsets.UTF_8);
    private final byte[] readScript = READ.getBytes(StandardCharsets.UTF_8);
    private final SecureRandom random = new SecureRandom();
    /** This history's hold on the node's client; closed after the history's connections. */
    private final SharedRedisClient.Lease lease;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> commands;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;

    /** Set once by the hub before anything is appended. */
    private volatile Subscriber subscriber;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong appended = new AtomicLong();
    private final AtomicLong appendFailures = new AtomicLong();
    /** Whether the last append succeeded; only for logging a change once, not every failure. */
    private final AtomicBoolean healthy = new AtomicBoolean(true);

    private RedisRoomHistory(RedisClusterConfig cluster, RoomHistoryConfig rooms, SharedRedisClient shared) {
        this.cluster = cluster;
        this.rooms = rooms;
        this.channel = (cluster.prefix() + ":history").getBytes(StandardCharsets.UTF_8);
        this.nodeId = cluster.nodeId();
        this.lease = shared.lease("room history", cluster);
        this.client = lease.client();
        StatefulRedisConnection<byte[], byte[]> cmd = null;
        StatefulRedisPubSubConnection<byte[], byte[]> sub = null;
        try {
            cmd = client.connect(ByteArrayCodec.INSTANCE);
            sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] from, byte[] message) {
                    onMessage(message);
                }
            });
            sub.sync().subscribe(channel);
        } catch (RedisException e) {
            RedisConnections.closeQuietly("room history", cmd, sub);
            shutdownClient();
            throw new IllegalStateException("room history: expected Redis at " + cluster.redisAddress()
                    + " to accept connections but it did not (" + e.getClass().getSimpleName() + ")", e);
        }
        this.commands = cmd;
        this.subscription = sub;
    }

    /**
     * Connects to Redis (the cluster's address, prefix, node id and timings) on a client of its own
     * (shut down when the history closes) and subscribes the history channel; keeps the histories
     * {@code rooms} lists. Blocks until Redis answers; throws {@link IllegalStateException} naming
     * Redis's address (never its password) when it is unreachable.
     */
    public static RedisRoomHistory connect(RedisClusterConfig cluster, RoomHistoryConfig rooms) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(rooms, "rooms");
        return new RedisRoomHistory(cluster, rooms, SharedRedisClient.open(cluster));
    }

    /**
     * As {@link #connect(RedisClusterConfig, RoomHistoryConfig)}, with the history's connections
     * (commands, pub/sub) on the node's {@code client}, which is shut down once its last user closed.
     * Throws {@link IllegalArgumentException} when {@code cluster} names another Redis or other timings
     * than the client's, {@link IllegalStateException} when the client is shut down.
     */
    public static RedisRoomHistory connect(RedisClusterConfig cluster, RoomHistoryConfig rooms, SharedRedisClient client) {
        return new RedisRoomHistory(Objects.requireNonNull(cluster, "cluster"), Objects.requireNonNull(rooms, "rooms"),
                Objects.requireNonNull(client, "client"));
    }

    @Override
    public boolean keeps(RoomName room) {
        return rooms.rooms().containsKey(room);
    }

    /**
     * Reads each kept room's position from Redis after the channel was subscribed (in the
     * constructor): one pipelined {@code HMGET} per room, waited for up to the command timeout.
     */
    @Override
    public Map<RoomName, StreamPosition> subscribe(Subscriber subscriber) {
        if (this.subscriber != null) {
            throw new IllegalStateException("subscriber: expected one subscriber but one is already set");
        }
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        Map<RoomName, CompletableFuture<List<KeyValue<byte[], byte[]>>>> replies = new LinkedHashMap<>();
        Map<RoomName, StreamPosition> positions = new HashMap<>();
        try {
            for (RoomName room : rooms.rooms().keySet()) {
                replies.put(room, commands.async().hmget(metaKey(room), EPOCH_FIELD, OFFSET_FIELD).toCompletableFuture());
            }
            long deadline = System.nanoTime() + cluster.commandTimeout().toNanos();
            for (var reply : replies.entrySet()) {
                List<KeyValue<byte[], byte[]>> fields = reply.getValue()
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (fields.get(0).hasValue()) {
                    long offset = fields.get(1).hasValue() ? Long.parseLong(text(fields.get(1).getValue())) : 0;
                    positions.put(reply.getKey(), StreamPosition.of(offset, text(fields.get(0).getValue())));
                }
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new IllegalStateException("room history: expected Redis at " + cluster.redisAddress()
                    + " to return the rooms' positions but it did not (" + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("room history: interrupted while reading the rooms' positions", e);
        }
        return positions;
    }

    /** Runs the append script; never waits. Fails when the room keeps no history or Redis did not take it. */
    @Override
    public CompletionStage<StreamPosition> append(RoomName room, Frame frame, Optional<ConnectionId> excluded) {
        RoomHistoryConfig.Retention retention = rooms.rooms().get(room);
        if (retention == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("room " + room.value() + " keeps no history"));
        }
        if (closed.get()) {
            return CompletableFuture.failedFuture(appendFailed(new IllegalStateException("room history closed")));
        }
        byte[] bytes = new byte[frame.length()];
        frame.buffer().get(bytes);
        if (bytes.length < 2 || bytes[0] != '{' || bytes[bytes.length - 1] != '}') {
            return CompletableFuture.failedFuture(new IllegalArgumentException("frame: expected a JSON object"));
        }
        String header = room.value() + "\n" + nodeId + "\n" + excluded.map(ConnectionId::value).orElse("") + "\n";
        byte[][] keys = {metaKey(room), streamKey(room)};
        byte[][] args = {bytes, utf8(newEpoch()), utf8(Integer.toString(retention.maxEntries())),
                utf8(Long.toString(retention.maxAge().toMillis())), channel, utf8(header)};
        CompletableFuture<List<Object>> reply;
        try {
            reply = commands.async().<List<Object>>eval(appendScript, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(appendFailed(e));
        }
        return reply.handle((list, error) -> {
            if (error != null) {
                throw new IllegalStateException("room history: append failed", appendFailed(error));
            }
            appended.incrementAndGet();
            if (healthy.compareAndSet(false, true)) {
                log.info("room history: appending to Redis at {} again", cluster.redisAddress());
            }
            return StreamPosition.of((Long) list.get(0), text(list.get(1)));
        });
    }

    private Throwable appendFailed(Throwable error) {
        appendFailures.incrementAndGet();
        if (healthy.compareAndSet(true, false)) {
            // Once per outage: a busy room must not log every message it could not store.
            log.warn("room history: cannot append to Redis at {} ({}); messages reach this node's members unstamped",
                    cluster.redisAddress(), error.getClass().getSimpleName());
        }
        return error;
    }

    /** Runs the read script; never waits. Fails when the room keeps no history or Redis does not answer. */
    @Override
    public CompletionStage<HistoryRead> read(RoomName room, Optional<StreamPosition> since, int limit) {
        RoomHistoryConfig.Retention retention = rooms.rooms().get(room);
        if (retention == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("room " + room.value() + " keeps no history"));
        }
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("room history closed"));
        }
        int cap = Math.max(0, Math.min(limit, retention.maxEntries()));
        byte[][] keys = {metaKey(room), streamKey(room)};
        byte[][] args = {utf8(newEpoch()), utf8(Long.toString(since.map(StreamPosition::offset).orElse(-1L))),
                utf8(since.map(StreamPosition::epoch).orElse("")), utf8(Integer.toString(cap)),
                utf8(Long.toString(retention.maxAge().toMillis()))};
        try {
            return commands.async().<List<Object>>eval(readScript, ScriptOutputType.MULTI, keys, args)
                    .toCompletableFuture().thenApply(list -> toRead(list, since));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Recovered only when the epoch is the same and the entries are exactly the offsets after {@code since}. */
    private static HistoryRead toRead(List<Object> list, Optional<StreamPosition> since) {
        StreamPosition latest = StreamPosition.of((Long) list.get(0), text(list.get(1)));
        if (since.isEmpty() || !since.get().sameEpoch(latest) || since.get().offset() > latest.offset()) {
            return HistoryRead.notRecovered(latest);
        }
        long expected = since.get().offset() + 1;
        long want = latest.offset() - since.get().offset();
        if ((list.size() - 2) / 2 != want) {
            return HistoryRead.notRecovered(latest); // trimmed (size or age), expired, or beyond the limit
        }
        List<Frame> missed = new ArrayList<>((int) want);
        for (int i = 2; i + 1 < list.size(); i += 2) {
            if (Long.parseLong(text(list.get(i))) != expected++) {
                return HistoryRead.notRecovered(latest);
            }
            missed.add(Frame.ofOwnedUtf8((byte[]) list.get(i + 1)));
        }
        return new HistoryRead(latest, true, missed);
    }

    /**
     * A message from the history channel, on Lettuce's event loop:
     * {@code room \n node \n excluded \n offset \n epoch \n frame}. Handed to the hub, which queues
     * it on the room's lane; the exclusion applies on the publishing node only.
     */
    private void onMessage(byte[] message) {
        try {
            int[] ends = new int[5];
            int from = 0;
            for (int i = 0; i < ends.length; i++) {
                int at = indexOf(message, (byte) '\n', from);
                if (at < 0) {
                    log.warn("room history: ignored a message of an unknown format");
                    return;
                }
                ends[i] = at;
                from = at + 1;
            }
            Optional<RoomName> room = RoomName.parse(new String(message, 0, ends[0], StandardCharsets.US_ASCII));
            String node = new String(message, ends[0] + 1, ends[1] - ends[0] - 1, StandardCharsets.UTF_8);
            String excluded = new String(message, ends[1] + 1, ends[2] - ends[1] - 1, StandardCharsets.UTF_8);
            long offset = Long.parseLong(new String(message, ends[2] + 1, ends[3] - ends[2] - 1, StandardCharsets.US_ASCII));
            String epoch = new String(message, ends[3] + 1, ends[4] - ends[3] - 1, StandardCharsets.US_ASCII);
            Subscriber local = subscriber;
            if (room.isEmpty() || local == null || closed.get() || !keeps(room.get())) {
                return;
            }
            Optional<ConnectionId> skip = node.equals(nodeId) && !excluded.isEmpty()
                    ? Optional.of(ConnectionId.of(excluded)) : Optional.empty();
            Frame frame = Frame.ofOwnedUtf8(Arrays.copyOfRange(message, ends[4] + 1, message.length));
            local.deliver(room.get(), StreamPosition.of(offset, epoch), frame, skip);
        } catch (RuntimeException e) {
            // A malformed message must not end the subscription's listener.
            log.warn("room history: dropped a message that could not be read ({})", e.getClass().getSimpleName());
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private String newEpoch() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The room's hash and stream share a hash tag, so a script's keys stay in one slot of a Redis Cluster. */
    private byte[] metaKey(RoomName room) {
        return utf8(cluster.prefix() + ":history:{" + room.value() + "}:meta");
    }

    private byte[] streamKey(RoomName room) {
        return utf8(cluster.prefix() + ":history:{" + room.value() + "}:stream");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object bulk) {
        return bulk instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(bulk);
    }

    // ---- introspection -------------------------------------------------------------------------

    /** Messages Redis stored and relayed for this node. */
    public long appendedCount() {
        return appended.get();
    }

    /** Messages this node could not store (Redis unreachable or the history closed). */
    public long appendFailureCount() {
        return appendFailures.get();
    }

    // ---- close ---------------------------------------------------------------------------------

    /** Closes the connections; idempotent. The histories stay in Redis for the other nodes. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            RedisConnections.closeQuietly("room history", commands, subscription);
            shutdownClient();
        }
    }

    /** Lets go of the node's client, which shuts down once its other users have too. */
    private void shutdownClient() {
        lease.close();
    }

    /** The node's client this history connects on. Package-private, for tests. */
    SharedRedisClient sharedClient() {
        return lease.owner();
    }
}
