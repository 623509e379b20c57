package dev.roomcast.cluster.redis;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * How a node joins a Redis-backed cluster: where Redis is, the node's name, the key prefix its
 * cluster shares, and the timings of presence and recovery. Immutable; built with {@link #builder}
 * and validated by {@link Builder#build}. Every option states its default.
 *
 * @param redisUri       {@code redis://host:port} (or {@code redis://:password@host:port/db}); no default
 * @param nodeId         this node's name in presence keys and relayed frames, unique per running node;
 *                       default: 12 random hex digits, new for each start
 * @param prefix         the start of every key and channel, so several clusters can share one Redis;
 *                       default {@code roomcast}
 * @param presenceTtl    how long a node's liveness key outlives its last heartbeat: the members of a
 *                       node that died vanish from {@link RedisClusterBus#members} after at most this
 *                       long, and the other nodes announce their leaves at their next heartbeat after
 *                       that; default 15 s
 * @param heartbeat      how often the node refreshes its presence keys, and how soon after Redis
 *                       returns it rebuilds them; must be below {@code presenceTtl}; default 5 s
 * @param commandTimeout longest wait for one Redis reply before the command counts as failed; default 2 s
 * @param reconnectDelay pause between attempts to reconnect to Redis; default 500 ms
 * @param presenceReadTimeout longest a join waits for the other nodes' members to list in its {@code joined}
 *                       reply; after it (or at once while Redis is unreachable) the reply lists this
 *                       node's members only and says {@code partial}; default 500 ms
 */
public record RedisClusterConfig(URI redisUri, String nodeId, String prefix, Duration presenceTtl, Duration heartbeat,
                                 Duration commandTimeout, Duration reconnectDelay, Duration presenceReadTimeout) {

    public RedisClusterConfig {
        Objects.requireNonNull(redisUri, "redisUri");
        if (!"redis".equals(redisUri.getScheme()) && !"rediss".equals(redisUri.getScheme())) {
            throw new IllegalArgumentException("redisUri: expected scheme redis or rediss but was " + redisUri.getScheme());
        }
        requireName(nodeId, "nodeId");
        requireName(prefix, "prefix");
        requirePositive(presenceTtl, "presenceTtl");
        requirePositive(heartbeat, "heartbeat");
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(reconnectDelay, "reconnectDelay");
        requirePositive(presenceReadTimeout, "presenceReadTimeout");
        if (heartbeat.compareTo(presenceTtl) >= 0) {
            throw new IllegalArgumentException("heartbeat: expected less than presenceTtl (" + presenceTtl
                    + ") but was " + heartbeat);
        }
    }

    /** A builder for Redis at {@code redisUri}, every other option at its default. */
    public static Builder builder(URI redisUri) {
        return new Builder(redisUri);
    }

    /** A builder for Redis at {@code redisUri} (text, for example {@code redis://127.0.0.1:6380}). */
    public static Builder builder(String redisUri) {
        return new Builder(URI.create(redisUri));
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(redisUri).nodeId(nodeId).prefix(prefix).presenceTtl(presenceTtl).heartbeat(heartbeat)
                .commandTimeout(commandTimeout).reconnectDelay(reconnectDelay).presenceReadTimeout(presenceReadTimeout);
    }

    /** Where Redis is, without any password the URI carries: for log lines and error messages. */
    public String redisAddress() {
        return redisUri.getHost() + ":" + (redisUri.getPort() < 0 ? 6379 : redisUri.getPort());
    }

    private static void requireName(String value, String what) {
        if (value == null || value.isEmpty() || value.length() > 64) {
            throw new IllegalArgumentException(what + ": expected 1 to 64 characters but was "
                    + (value == null ? "null" : value.length()));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // Part of key names: no glob characters, spaces or the separator ':' inside one part.
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.')) {
                throw new IllegalArgumentException(what + ": expected letters, digits, '-', '_' or '.' but found '" + c + "'");
            }
        }
    }

    private static void requirePositive(Duration value, String what) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + ": expected a positive duration but was " + value);
        }
    }

    /** Builds a {@link RedisClusterConfig}; not thread-safe. */
    public static final class Builder {
        private final URI redisUri;
        private String nodeId = randomNodeId();
        private String prefix = "roomcast";
        private Duration presenceTtl = Duration.ofSeconds(15);
        private Duration heartbeat = Duration.ofSeconds(5);
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration reconnectDelay = Duration.ofMillis(500);
        private Duration presenceReadTimeout = Duration.ofMillis(500);

        private Builder(URI redisUri) {
            this.redisUri = redisUri;
        }

        /** This node's name; default random. */
        public Builder nodeId(String value) {
            this.nodeId = value;
            return this;
        }

        /** Key and channel prefix; default {@code roomcast}. */
        public Builder prefix(String value) {
            this.prefix = value;
            return this;
        }

        /** Lifetime of the liveness key without a heartbeat (presence hashes live twice this); default 15 s. */
        public Builder presenceTtl(Duration value) {
            this.presenceTtl = value;
            return this;
        }

        /** Heartbeat period; default 5 s. */
        public Builder heartbeat(Duration value) {
            this.heartbeat = value;
            return this;
        }

        /** Reply timeout of one command; default 2 s. */
        public Builder commandTimeout(Duration value) {
            this.commandTimeout = value;
            return this;
        }

        /** Pause between reconnect attempts; default 500 ms. */
        public Builder reconnectDelay(Duration value) {
            this.reconnectDelay = value;
            return this;
        }

        /** Longest a join waits for the other nodes' members; default 500 ms. */
        public Builder presenceReadTimeout(Duration value) {
            this.presenceReadTimeout = value;
            return this;
        }

        /** The configuration; throws {@link IllegalArgumentException} naming the first invalid option. */
        public RedisClusterConfig build() {
            return new RedisClusterConfig(redisUri, nodeId, prefix, presenceTtl, heartbeat, commandTimeout, reconnectDelay,
                    presenceReadTimeout);
        }

        private static String randomNodeId() {
            byte[] bytes = new byte[6];
            new SecureRandom().nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        }
    }
}
