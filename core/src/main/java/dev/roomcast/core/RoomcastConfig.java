package dev.roomcast.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Every setting of a Roomcast service, immutable once built. {@link #builder()} starts from safe
 * defaults (each documented on its accessor); {@link Builder#build()} runs {@link #validate()}, so an
 * instance in hand is always valid. The library never reads environment variables: applications
 * pass values in, for example through {@link ConfigSources}.
 *
 * <pre>{@code
 * RoomcastConfig config = RoomcastConfig.builder()
 *     .sendQueueSize(256).sendBehavior(SendBehavior.CLOSE).pongWait(Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 */
public final class RoomcastConfig {
    /** Smallest accepted HS256 or admin secret, in bytes (RFC 7518 §3.2: at least the hash size). */
    public static final int MIN_SECRET_BYTES = 32;
    private final String host;
    private final int port;
    private final String path;
    private final int sendQueueSize;
    private final Duration sendTimeout;
    private final SendBehavior sendBehavior;
    private final Map<RoomName, SendBehavior> roomSendBehaviors;
    private final int workerCount;
    private final int jobQueueSize;
    private final int maxMessageBytes;
    private final Duration pingPeriod;
    private final Duration pongWait;
    private final int maxConnections;
    private final int maxRoomConnections;
    private final int maxRoomRegistrations;
    private final double joinRatePerSecond;
    private final int joinBurst;
    private final double inboundRatePerSecond;
    private final int inboundBurst;
    private final boolean presenceEnabled;
    private final Set<String> allowedOrigins;
    private final boolean allowAllOrigins;
    private final boolean queryTokenEnabled;
    private final boolean allowUnauthenticated;
    private final Optional<byte[]> tokenSecret;
    private final boolean adminBroadcastEnabled;
    private final Optional<byte[]> adminBroadcastSecret;
    private final Duration shutdownTimeout;
    private final int shutdownBatches;
    private final double shutdownSpread;
    private final Duration shutdownReconnectWindow;

    private RoomcastConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.sendQueueSize = b.sendQueueSize;
        this.sendTimeout = b.sendTimeout;
        this.sendBehavior = b.sendBehavior;
        // Not Map.copyOf: a null behaviour must reach validate(), which names it, rather than throw here.
        this.roomSendBehaviors = Collections.unmodifiableMap(new LinkedHashMap<>(b.roomSendBehaviors));
        this.workerCount = b.workerCount;
        this.jobQueueSize = b.jobQueueSize;
        this.maxMessageBytes = b.maxMessageBytes;
        this.pingPeriod = b.pingPeriod;
        this.pongWait = b.pongWait;
        this.maxConnections = b.maxConnections;
        this.maxRoomConnections = b.maxRoomConnections;
        this.maxRoomRegistrations = b.maxRoomRegistrations;
        this.joinRatePerSecond = b.joinRatePerSecond;
        this.joinBurst = b.joinBurst;
        this.inboundRatePerSecond = b.inboundRatePerSecond;
        this.inboundBurst = b.inboundBurst;
        this.presenceEnabled = b.presenceEnabled;
        this.allowedOrigins = Set.copyOf(b.allowedOrigins);
        this.allowAllOrigins = b.allowAllOrigins;
        this.queryTokenEnabled = b.queryTokenEnabled;
        this.allowUnauthenticated = b.allowUnauthenticated;
        this.tokenSecret = b.tokenSecret.map(byte[]::clone);
        this.adminBroadcastEnabled = b.adminBroadcastEnabled;
        this.adminBroadcastSecret = b.adminBroadcastSecret.map(byte[]::clone);
        this.shutdownTimeout = b.shutdownTimeout;
        this.shutdownBatches = b.shutdownBatches;
        this.shutdownSpread = b.shutdownSpread;
        this.shutdownReconnectWindow = b.shutdownReconnectWindow;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults, validated. */
    public static RoomcastConfig defaults() {
        return builder().build();
    }

    /** A builder holding this configuration's values, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = this.host;
        b.port = this.port;
        b.path = this.path;
        b.sendQueueSize = this.sendQueueSize;
        b.sendTimeout = this.sendTimeout;
        b.sendBehavior = this.sendBehavior;
        b.roomSendBehaviors = new LinkedHashMap<>(this.roomSendBehaviors);
        b.workerCount = this.workerCount;
        b.jobQueueSize = this.jobQueueSize;
        b.maxMessageBytes = this.maxMessageBytes;
        b.pingPeriod = this.pingPeriod;
        b.pongWait = this.pongWait;
        b.maxConnections = this.maxConnections;
        b.maxRoomConnections = this.maxRoomConnections;
        b.maxRoomRegistrations = this.maxRoomRegistrations;
        b.joinRatePerSecond = this.joinRatePerSecond;
        b.joinBurst = this.joinBurst;
        b.inboundRatePerSecond = this.inboundRatePerSecond;
        b.inboundBurst = this.inboundBurst;
        b.presenceEnabled = this.presenceEnabled;
        b.allowedOrigins = this.allowedOrigins;
        b.allowAllOrigins = this.allowAllOrigins;
        b.queryTokenEnabled = this.queryTokenEnabled;
        b.allowUnauthenticated = this.allowUnauthenticated;
        b.tokenSecret = this.tokenSecret;
        b.adminBroadcastEnabled = this.adminBroadcastEnabled;
        b.adminBroadcastSecret = this.adminBroadcastSecret;
        b.shutdownTimeout = this.shutdownTimeout;
        b.shutdownBatches = this.shutdownBatches;
        b.shutdownSpread = this.shutdownSpread;
        b.shutdownReconnectWindow = this.shutdownReconnectWindow;
        return b;
    }

    /** Address the server binds to. Default {@code 127.0.0.1}: loopback only, so nothing is exposed by accident. */
    public String host() {
        return host;
    }

    /** TCP port the server listens on. Default {@code 8080}; {@code 0} picks a free port. */
    public int port() {
        return port;
    }

    /** Path at which WebSocket upgrades are accepted. Default {@code /ws}. */
    public String path() {
        return path;
    }

    /** Frames each connection may have queued for sending. Default 256. What happens when full is {@link #sendBehavior()}. */
    public int sendQueueSize() {
        return sendQueueSize;
    }

    /** How long a {@link SendBehavior#BLOCK} send waits for queue space. Default 200 ms. */
    public Duration sendTimeout() {
        return sendTimeout;
    }

    /** What a send does when the member's queue is full. Default {@link SendBehavior#BLOCK}. */
    public SendBehavior sendBehavior() {
        return sendBehavior;
    }

    /**
     * Rooms whose broadcasts apply their own {@link SendBehavior} to a member whose queue is full,
     * instead of {@link #sendBehavior()}. Default empty. A member's queue is shared by all its rooms, so
     * the behaviour belongs to the frame being offered: a broadcast of a {@code DROP} room is dropped for
     * a slow member while a broadcast of a {@code BLOCK} room waits for the same member's queue. Replies,
     * {@code joined} events, broadcasts to everyone and direct sends keep {@link #sendBehavior()}.
     */
    public Map<RoomName, SendBehavior> roomSendBehaviors() {
        return roomSendBehaviors;
    }

    /** What a broadcast of {@code room} does at a member's full queue: its entry in {@link #roomSendBehaviors()}, else {@link #sendBehavior()}. */
    public SendBehavior sendBehavior(RoomName room) {
        return roomSendBehaviors.getOrDefault(room, sendBehavior);
    }

    /** Broadcast lanes. Default 16. Each room's broadcasts run in order on one lane; lanes run in parallel. */
    public int workerCount() {
        return workerCount;
    }

    /** Broadcast jobs that may wait for a worker, over all workers. Default 4096; beyond it a broadcast is rejected and reported. */
    public int jobQueueSize() {
        return jobQueueSize;
    }

    /** Largest inbound message, counted over all of its fragments. Default 1 MiB; one byte more closes the connection with 1009. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** How often the server pings each connection. Default 20 s; must be shorter than {@link #pongWait()}. */
    public Duration pingPeriod() {
        return pingPeriod;
    }

    /** How long a connection may stay silent (no pong or other frame) before it is closed. Default 30 s. */
    public Duration pongWait() {
        return pongWait;
    }

    /** Connections the server accepts at once. Default 0 = unlimited; beyond it upgrades get 503 {@code HUB_FULL}. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Members one room may have. Default 0 = unlimited; beyond it joins get {@code ROOM_FULL}. */
    public int maxRoomConnections() {
        return maxRoomConnections;
    }

    /** Connection×room memberships over the whole hub. Default 0 = unlimited; beyond it joins get {@code HUB_FULL}. */
    public int maxRoomRegistrations() {
        return maxRoomRegistrations;
    }

    /** Sustained joins per second one connection may make. Default 10; beyond it joins get {@code RATE_LIMITED}. */
    public double joinRatePerSecond() {
        return joinRatePerSecond;
    }

    /** Joins one connection may make in a burst before the rate applies. Default 20. */
    public int joinBurst() {
        return joinBurst;
    }

    /** Sustained inbound messages per second per connection. Default 100; a client exceeding it is closed with 1008. */
    public double inboundRatePerSecond() {
        return inboundRatePerSecond;
    }

    /** Inbound messages one connection may send in a burst before the rate applies. Default 200. */
    public int inboundBurst() {
        return inboundBurst;
    }

    /**
     * {@link #inboundRatePerSecond()} and {@link #inboundBurst()} as one value: the rate every
     * connection gets under {@link InboundRatePolicy#uniform(RoomcastConfig)}, and the usual fallback
     * of a policy that gives some identities another.
     */
    public InboundRate inboundRate() {
        return InboundRate.of(inboundRatePerSecond, inboundBurst);
    }

    /** Whether room members receive {@code presence} events when others join or leave. Default on. */
    public boolean presenceEnabled() {
        return presenceEnabled;
    }

    /** Browser origins allowed to connect, matched exactly (e.g. {@code https://app.example.com}). Default empty: every request carrying an {@code Origin} is refused, requests without one (non-browser clients) are allowed. {@code "*"} is not a wildcard; see {@link #allowAllOrigins()}. */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** Accept any {@code Origin}. Default off, because it allows cross-site WebSocket hijacking; meant for development only. */
    public boolean allowAllOrigins() {
        return allowAllOrigins;
    }

    /** Accept the token from {@code ?access_token=} as well as the {@code Authorization} header. Default off: URLs end up in logs, but browsers cannot set headers on a WebSocket. */
    public boolean queryTokenEnabled() {
        return queryTokenEnabled;
    }

    /** Admit clients that present no token, as anonymous identities. Default off. A token that is supplied is still verified. */
    public boolean allowUnauthenticated() {
        return allowUnauthenticated;
    }

    /** HS256 signing secret for bearer tokens, at least 32 bytes. Default none. Never printed by {@link #toString()}. */
    public Optional<byte[]> tokenSecret() {
        return tokenSecret.map(byte[]::clone);
    }

    /** Whether {@code POST /_admin/broadcast} is mounted. Default off. */
    public boolean adminBroadcastEnabled() {
        return adminBroadcastEnabled;
    }

    /** Bearer secret of the admin broadcast endpoint, at least 32 bytes and different from {@link #tokenSecret()}. Default none. */
    public Optional<byte[]> adminBroadcastSecret() {
        return adminBroadcastSecret.map(byte[]::clone);
    }

    /** How long a graceful shutdown lets queued frames drain before closing what is left. Default 10 s. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /**
     * In how many batches a graceful shutdown closes the connections, so that clients do not all
     * lose their connection, and reconnect, at the same moment. Batches start at even intervals,
     * with jitter, over the first {@link #shutdownSpread()} of the deadline; 1 closes every
     * connection at once. Default 10; 1..10,000.
     */
    public int shutdownBatches() {
        return shutdownBatches;
    }

    /**
     * The share of the shutdown deadline over which the {@link #shutdownBatches()} start; the rest is
     * left for the last batch to drain its queues. Default 0.5 (a 10 s deadline closes batches over
     * its first 5 s); in (0, 1].
     */
    public double shutdownSpread() {
        return shutdownSpread;
    }

    /**
     * How far the {@code reconnectAfterMs} hint of the {@code shutdown} event is spread: each
     * connection is told to reconnect its batch's close time plus a random delay of up to this much
     * after the event. Default 10 s; zero or more (zero: the hint is the batch's close time).
     */
    public Duration shutdownReconnectWindow() {
        return shutdownReconnectWindow;
    }

    /**
     * Checks every rule and throws {@link InvalidConfigException} listing all violations, each naming
     * the field and the rule. Called by {@link Builder#build()}.
     */
    public RoomcastConfig validate() {
        List<String> v = new ArrayList<>();
        if (host == null || host.isBlank()) {
            v.add("host: expected a non-blank address");
        }
        if (port < 0 || port > 65535) {
            v.add("port: expected 0..65535 but was " + port);
        }
        if (path == null || !path.startsWith("/") || path.contains("?") || path.contains("#")) {
            v.add("path: expected an absolute path starting with '/' without query or fragment but was " + path);
        }
        positive(v, "sendQueueSize", sendQueueSize);
        positive(v, "workerCount", workerCount);
        positive(v, "jobQueueSize", jobQueueSize);
        positive(v, "maxMessageBytes", maxMessageBytes);
        if (jobQueueSize > 0 && workerCount > 0 && jobQueueSize < workerCount) {
            v.add("jobQueueSize: expected at least workerCount (" + workerCount + ") but was " + jobQueueSize);
        }
        positiveDuration(v, "sendTimeout", sendTimeout);
        positiveDuration(v, "pingPeriod", pingPeriod);
        positiveDuration(v, "pongWait", pongWait);
        positiveDuration(v, "shutdownTimeout", shutdownTimeout);
        if (shutdownBatches < 1 || shutdownBatches > 10_000) {
            v.add("shutdownBatches: expected 1..10000 but was " + shutdownBatches);
        }
        if (!(shutdownSpread > 0 && shutdownSpread <= 1)) {
            v.add("shutdownSpread: expected a share in (0, 1] but was " + shutdownSpread);
        }
        if (shutdownReconnectWindow == null || shutdownReconnectWindow.isNegative()) {
            v.add("shutdownReconnectWindow: expected a duration >= 0 but was " + shutdownReconnectWindow);
        }
        if (pingPeriod != null && pongWait != null && pingPeriod.compareTo(pongWait) >= 0) {
            v.add("pingPeriod: expected less than pongWait (" + pongWait + ") but was " + pingPeriod);
        }
        notNegative(v, "maxConnections", maxConnections);
        notNegative(v, "maxRoomConnections", maxRoomConnections);
        notNegative(v, "maxRoomRegistrations", maxRoomRegistrations);
        if (!(joinRatePerSecond > 0) || Double.isInfinite(joinRatePerSecond)) {
            v.add("joinRatePerSecond: expected a finite number > 0 but was " + joinRatePerSecond);
        }
        positive(v, "joinBurst", joinBurst);
        if (!(inboundRatePerSecond > 0) || Double.isInfinite(inboundRatePerSecond)) {
            v.add("inboundRatePerSecond: expected a finite number > 0 but was " + inboundRatePerSecond);
        }
        positive(v, "inboundBurst", inboundBurst);
        if (sendBehavior == null) {
            v.add("sendBehavior: expected BLOCK, DROP or CLOSE but was null");
        }
        roomSendBehaviors.forEach((room, behavior) -> {
            if (room == null || behavior == null) {
                v.add("roomSendBehaviors: expected a room and BLOCK, DROP or CLOSE but one entry was " + room + "=" + behavior);
            }
        });
        for (String origin : allowedOrigins) {
            if (origin.isBlank() || origin.endsWith("/")) {
                v.add("allowedOrigins: expected scheme://host[:port] without a trailing slash but one entry was '" + origin + "'");
            }
        }
        tokenSecret.ifPresent(s -> {
            if (s.length < MIN_SECRET_BYTES) {
                v.add("tokenSecret: expected at least " + MIN_SECRET_BYTES + " bytes but was " + s.length);
            }
        });
        adminBroadcastSecret.ifPresent(s -> {
            if (s.length < MIN_SECRET_BYTES) {
                v.add("adminBroadcastSecret: expected at least " + MIN_SECRET_BYTES + " bytes but was " + s.length);
            }
            if (tokenSecret.isPresent() && java.security.MessageDigest.isEqual(s, tokenSecret.get())) {
                v.add("adminBroadcastSecret: expected a secret different from tokenSecret but they are equal");
            }
        });
        if (!v.isEmpty()) {
            throw new InvalidConfigException(v);
        }
        return this;
    }

    private static void positive(List<String> v, String field, long value) {
        if (value <= 0) {
            v.add(field + ": expected > 0 but was " + value);
        }
    }

    private static void notNegative(List<String> v, String field, long value) {
        if (value < 0) {
            v.add(field + ": expected >= 0 (0 = unlimited) but was " + value);
        }
    }

    private static void positiveDuration(List<String> v, String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            v.add(field + ": expected a positive duration but was " + value);
        }
    }

    /** Lists the settings with secrets masked. */
    @Override
    public String toString() {
        return "RoomcastConfig[host=" + host + ", port=" + port + ", path=" + path
                + ", sendQueueSize=" + sendQueueSize + ", sendTimeout=" + sendTimeout + ", sendBehavior=" + sendBehavior
                + ", roomSendBehaviors=" + roomSendBehaviors
                + ", workerCount=" + workerCount + ", jobQueueSize=" + jobQueueSize + ", maxMessageBytes=" + maxMessageBytes
                + ", pingPeriod=" + pingPeriod + ", pongWait=" + pongWait + ", maxConnections=" + maxConnections
                + ", maxRoomConnections=" + maxRoomConnections + ", maxRoomRegistrations=" + maxRoomRegistrations
                + ", allowedOrigins=" + allowedOrigins + ", allowAllOrigins=" + allowAllOrigins
                + ", queryTokenEnabled=" + queryTokenEnabled + ", allowUnauthenticated=" + allowUnauthenticated
                + ", tokenSecret=" + (tokenSecret.isPresent() ? "<set>" : "<none>")
                + ", adminBroadcastEnabled=" + adminBroadcastEnabled
                + ", adminBroadcastSecret=" + (adminBroadcastSecret.isPresent() ? "<set>" : "<none>")
                + ", shutdownTimeout=" + shutdownTimeout + ", shutdownBatches=" + shutdownBatches
                + ", shutdownSpread=" + shutdownSpread + ", shutdownReconnectWindow=" + shutdownReconnectWindow + "]";
    }

    /** Collects settings; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private String path = "/ws";
        private int sendQueueSize = 256;
        private Duration sendTimeout = Duration.ofMillis(200);
        private SendBehavior sendBehavior = SendBehavior.BLOCK;
        private Map<RoomName, SendBehavior> roomSendBehaviors = new LinkedHashMap<>();
        private int workerCount = 16;
        private int jobQueueSize = 4096;
        private int maxMessageBytes = 1024 * 1024;
        private Duration pingPeriod = Duration.ofSeconds(20);
        private Duration pongWait = Duration.ofSeconds(30);
        private int maxConnections = 0;
        private int maxRoomConnections = 0;
        private int maxRoomRegistrations = 0;
        private double joinRatePerSecond = 10.0;
        private int joinBurst = 20;
        private double inboundRatePerSecond = 100.0;
        private int inboundBurst = 200;
        private boolean presenceEnabled = true;
        private Set<String> allowedOrigins = Set.of();
        private boolean allowAllOrigins = false;
        private boolean queryTokenEnabled = false;
        private boolean allowUnauthenticated = false;
        private Optional<byte[]> tokenSecret = Optional.empty();
        private boolean adminBroadcastEnabled = false;
        private Optional<byte[]> adminBroadcastSecret = Optional.empty();
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private int shutdownBatches = 10;
        private double shutdownSpread = 0.5;
        private Duration shutdownReconnectWindow = Duration.ofSeconds(10);

        private Builder() {
        }

        /** See {@link RoomcastConfig#host()}. */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        /** See {@link RoomcastConfig#port()}. */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** See {@link RoomcastConfig#path()}. */
        public Builder path(String value) {
            this.path = value;
            return this;
        }

        /** See {@link RoomcastConfig#sendQueueSize()}. */
        public Builder sendQueueSize(int value) {
            this.sendQueueSize = value;
            return this;
        }

        /** See {@link RoomcastConfig#sendTimeout()}. */
        public Builder sendTimeout(Duration value) {
            this.sendTimeout = value;
            return this;
        }

        /** See {@link RoomcastConfig#sendBehavior()}. */
        public Builder sendBehavior(SendBehavior value) {
            this.sendBehavior = value;
            return this;
        }

        /** Gives {@code room}'s broadcasts their own behaviour at a full queue; see {@link RoomcastConfig#roomSendBehaviors()}. */
        public Builder roomSendBehavior(RoomName room, SendBehavior value) {
            Objects.requireNonNull(room, "room");
            this.roomSendBehaviors.put(room, value); // a null behaviour is reported by validate(), like sendBehavior's
            return this;
        }

        /** See {@link RoomcastConfig#workerCount()}. */
        public Builder workerCount(int value) {
            this.workerCount = value;
            return this;
        }

        /** See {@link RoomcastConfig#jobQueueSize()}. */
        public Builder jobQueueSize(int value) {
            this.jobQueueSize = value;
            return this;
        }

        /** See {@link RoomcastConfig#maxMessageBytes()}. */
        public Builder maxMessageBytes(int value) {
            this.maxMessageBytes = value;
            return this;
        }

        /** See {@link RoomcastConfig#pingPeriod()}. */
        public Builder pingPeriod(Duration value) {
            this.pingPeriod = value;
            return this;
        }

        /** See {@link RoomcastConfig#pongWait()}. */
        public Builder pongWait(Duration value) {
            this.pongWait = value;
            return this;
        }

        /** See {@link RoomcastConfig#maxConnections()}. */
        public Builder maxConnections(int value) {
            this.maxConnections = value;
            return this;
        }

        /** See {@link RoomcastConfig#maxRoomConnections()}. */
        public Builder maxRoomConnections(int value) {
            this.maxRoomConnections = value;
            return this;
        }

        /** See {@link RoomcastConfig#maxRoomRegistrations()}. */
        public Builder maxRoomRegistrations(int value) {
            this.maxRoomRegistrations = value;
            return this;
        }

        /** See {@link RoomcastConfig#joinRatePerSecond()}. */
        public Builder joinRatePerSecond(double value) {
            this.joinRatePerSecond = value;
            return this;
        }

        /** See {@link RoomcastConfig#joinBurst()}. */
        public Builder joinBurst(int value) {
            this.joinBurst = value;
            return this;
        }

        /** See {@link RoomcastConfig#inboundRatePerSecond()}. */
        public Builder inboundRatePerSecond(double value) {
            this.inboundRatePerSecond = value;
            return this;
        }

        /** See {@link RoomcastConfig#inboundBurst()}. */
        public Builder inboundBurst(int value) {
            this.inboundBurst = value;
            return this;
        }

        /** See {@link RoomcastConfig#presenceEnabled()}. */
        public Builder presenceEnabled(boolean value) {
            this.presenceEnabled = value;
            return this;
        }

        /** See {@link RoomcastConfig#allowedOrigins()}. */
        public Builder allowedOrigins(Set<String> value) {
            this.allowedOrigins = new LinkedHashSet<>(Objects.requireNonNull(value, "allowedOrigins"));
            return this;
        }

        /** See {@link RoomcastConfig#allowedOrigins()}. */
        public Builder allowedOrigins(String... value) {
            return allowedOrigins(new LinkedHashSet<>(Arrays.asList(value)));
        }

        /** See {@link RoomcastConfig#allowAllOrigins()}. */
        public Builder allowAllOrigins(boolean value) {
            this.allowAllOrigins = value;
            return this;
        }

        /** See {@link RoomcastConfig#queryTokenEnabled()}. */
        public Builder queryTokenEnabled(boolean value) {
            this.queryTokenEnabled = value;
            return this;
        }

        /** See {@link RoomcastConfig#allowUnauthenticated()}. */
        public Builder allowUnauthenticated(boolean value) {
            this.allowUnauthenticated = value;
            return this;
        }

        /** See {@link RoomcastConfig#tokenSecret()}. The bytes are copied. */
        public Builder tokenSecret(byte[] value) {
            this.tokenSecret = Optional.of(Objects.requireNonNull(value, "tokenSecret").clone());
            return this;
        }

        /** Removes the tokenSecret. */
        public Builder noTokenSecret() {
            this.tokenSecret = Optional.empty();
            return this;
        }

        /** See {@link RoomcastConfig#adminBroadcastEnabled()}. */
        public Builder adminBroadcastEnabled(boolean value) {
            this.adminBroadcastEnabled = value;
            return this;
        }

        /** See {@link RoomcastConfig#adminBroadcastSecret()}. The bytes are copied. */
        public Builder adminBroadcastSecret(byte[] value) {
            this.adminBroadcastSecret = Optional.of(Objects.requireNonNull(value, "adminBroadcastSecret").clone());
            return this;
        }

        /** Removes the adminBroadcastSecret. */
        public Builder noAdminBroadcastSecret() {
            this.adminBroadcastSecret = Optional.empty();
            return this;
        }

        /** See {@link RoomcastConfig#shutdownTimeout()}. */
        public Builder shutdownTimeout(Duration value) {
            this.shutdownTimeout = value;
            return this;
        }

        /** See {@link RoomcastConfig#shutdownBatches()}. */
        public Builder shutdownBatches(int value) {
            this.shutdownBatches = value;
            return this;
        }

        /** See {@link RoomcastConfig#shutdownSpread()}. */
        public Builder shutdownSpread(double value) {
            this.shutdownSpread = value;
            return this;
        }

        /** See {@link RoomcastConfig#shutdownReconnectWindow()}. */
        public Builder shutdownReconnectWindow(Duration value) {
            this.shutdownReconnectWindow = value;
            return this;
        }

        /** Builds and validates; throws {@link InvalidConfigException} naming every violation. */
        public RoomcastConfig build() {
            return new RoomcastConfig(this).validate();
        }
    }
}
