package dev.roomcast.examples.chat;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.cluster.redis.RedisClusterConfig;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.RoomcastServer;
import io.opentelemetry.api.OpenTelemetry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The chat example's entry point: reads its settings from the environment (through
 * {@link ConfigSources}; the library itself never does), builds the Dagger component, starts the
 * server and prints the URL to connect to. In development, when {@code ROOMCAST_TOKEN_SECRET} is not
 * set, it generates a signing secret for this run and prints a ready-to-use token.
 *
 * <p>Environment: {@code ROOMCAST_HOST} (default 127.0.0.1), {@code ROOMCAST_PORT} (default 8080; 0
 * picks a free port), {@code ROOMCAST_TOKEN_SECRET} (HS256, at least 32 bytes),
 * {@code ROOMCAST_ADMIN_SECRET} (turns on {@code POST /_admin/broadcast}), {@code ROOMCAST_VIP_PASSWORD}
 * (room {@code vip}; generated and printed when unset), {@code ROOMCAST_ALLOWED_ORIGINS} (comma list of
 * browser origins), {@code ROOMCAST_SHUTDOWN_SECONDS} (graceful shutdown deadline, default 10),
 * {@code ROOMCAST_TRACING} ({@code logging} prints OpenTelemetry spans to the log; default {@code none}),
 * {@code ROOMCAST_QUERY_TOKEN} (accept {@code ?access_token=}, as the browser page sends it; default on in
 * development mode only), {@code ROOMCAST_INBOUND_RATE} (messages per second each connection may send, burst twice that; default
 * 100), {@code ROOMCAST_PRESENCE_TTL_MILLIS} and {@code ROOMCAST_HEARTBEAT_MILLIS} (with
 * {@code ROOMCAST_REDIS_URL}: the cluster's presence TTL and heartbeat, default 15,000 and 5,000),
 * {@code ROOMCAST_PUBLISHER_RATE} (the same for tokens with the role {@code publisher}; default: the
 * inbound rate).
 * The browser page is served at {@code /} ({@link ChatPage}); the page's own origin is allowed.
 * Metrics are served at {@code /metrics}, health at {@code /health} and {@code /ready}.
 */
public final class ChatServer {
    private static final Duration DEV_TOKEN_TTL = Duration.ofHours(12);

    private ChatServer() {
    }

    /** Starts the chat service and stops it gracefully on SIGTERM/SIGINT. */
    public static void main(String[] args) {
        // snippet:chat-main
        ConfigSources env = ConfigSources.fromProcess();
        OpenTelemetry tracing = ChatTracing.fromEnvironment(env);
        RoomcastServer server = start(env, System.out, tracing);
        Duration deadline = server.config().shutdownTimeout();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown(deadline);
            ChatTracing.close(tracing); // exports the spans still batched
        }, "roomcast-shutdown"));
        // end-snippet
    }

    /**
     * Builds and starts the service from {@code env}, printing the URL and development hints to
     * {@code out}. Returns the running server.
     */
    public static RoomcastServer start(ConfigSources env, PrintStream out) {
        return start(env, out, ChatTracing.fromEnvironment(env));
    }

    /** Like {@link #start(ConfigSources, PrintStream)}, recording spans through {@code tracing}. */
    public static RoomcastServer start(ConfigSources env, PrintStream out, OpenTelemetry tracing) {
        Optional<byte[]> tokenSecret = env.secret("ROOMCAST_TOKEN_SECRET");
        boolean development = tokenSecret.isEmpty();
        byte[] secret = tokenSecret.orElseGet(ChatServer::randomSecret);
        Optional<String> vip = env.string("ROOMCAST_VIP_PASSWORD");
        String vipPassword = vip.orElseGet(() -> randomText(12));

        String host = env.string("ROOMCAST_HOST", "127.0.0.1");
        int port = env.integer("ROOMCAST_PORT", 8080);
        Set<String> origins = origins(env.string("ROOMCAST_ALLOWED_ORIGINS", ""));
        origins.addAll(pageOrigins(host, port));
        RoomcastConfig.Builder config = RoomcastConfig.builder()
                .host(host)
                .port(port)
                .tokenSecret(secret)
                .shutdownTimeout(Duration.ofSeconds(env.integer("ROOMCAST_SHUTDOWN_SECONDS", 10)))
                .allowedOrigins(origins)
                // Browsers cannot set Authorization on a WebSocket: the page sends ?access_token=. Off by default
                // in the library (URLs reach logs); the example turns it on in development or when asked to.
                .queryTokenEnabled(env.bool("ROOMCAST_QUERY_TOKEN", development));
        env.secret("ROOMCAST_ADMIN_SECRET").ifPresent(admin -> config.adminBroadcastEnabled(true).adminBroadcastSecret(admin));
        inboundRate(env, "ROOMCAST_INBOUND_RATE").ifPresent(rate ->
                config.inboundRatePerSecond(rate.perSecond()).inboundBurst(rate.burst()));
        ChatSettings settings = new ChatSettings(vipPassword, inboundRate(env, "ROOMCAST_PUBLISHER_RATE"),
                development ? Optional.of(new TokenMinter(secret)) : Optional.empty());

        RoomHistoryConfig histories = histories(env);
        Optional<String> redis = env.string("ROOMCAST_REDIS_URL");
        RoomcastServer server;
        if (redis.isPresent()) {
            // One node of several: same service, the Redis cluster bus instead of the in-process one.
            RedisClusterConfig.Builder cluster = RedisClusterConfig.builder(redis.get());
            env.string("ROOMCAST_NODE_ID").ifPresent(cluster::nodeId);
            // The dead-node window (presence TTL + heartbeat, 20 s by default) is the operator's trade-off.
            int ttlMillis = env.integer("ROOMCAST_PRESENCE_TTL_MILLIS", 0);
            int heartbeatMillis = env.integer("ROOMCAST_HEARTBEAT_MILLIS", 0);
            if (ttlMillis > 0) {
                cluster.presenceTtl(Duration.ofMillis(ttlMillis));
            }
            if (heartbeatMillis > 0) {
                cluster.heartbeat(Duration.ofMillis(heartbeatMillis));
            }
            RedisClusterConfig clusterConfig;
            try {
                clusterConfig = cluster.build();
            } catch (IllegalArgumentException e) { // names the option and its bounds; holds no secret
                throw new InvalidConfigException(List.of("ROOMCAST_PRESENCE_TTL_MILLIS/ROOMCAST_HEARTBEAT_MILLIS: " + e.getMessage()));
            }
            server = ScaledChatServerComponent.create(config.build(), settings, tracing, clusterConfig, histories)
                    .server().start();
            out.println("Cluster node '" + clusterConfig.nodeId() + "' on Redis at " + clusterConfig.redisAddress());
        } else {
            server = ChatServerComponent.create(config.build(), settings, tracing, histories).server().start();
        }
        out.println("Roomcast chat listening on " + server.webSocketUri());
        out.println("Metrics: " + server.httpUri() + "/metrics, health: " + server.httpUri() + "/health and /ready");
        if (development) {
            String token = new TokenMinter(secret).mint("alice", Optional.of("Alice"), Set.of(), DEV_TOKEN_TTL);
            out.println("Development mode: ROOMCAST_TOKEN_SECRET is not set, so this run signs tokens with a random secret.");
            out.println("Development token for 'alice' (valid " + DEV_TOKEN_TTL.toHours() + " h): " + token);
            out.println("Chat page: " + server.httpUri() + "/ (development tokens from POST " + server.httpUri()
                    + ChatPage.DEV_TOKEN_PATH + "; not for production)");
            out.println("Try: npx wscat -c '" + server.webSocketUri() + "?room=lobby' -H 'Authorization: Bearer " + token + "'");
        }
        if (vip.isEmpty()) {
            out.println("Room 'vip' password for this run: " + vipPassword
                    + " (send it in the X-Roomcast-Room-Password header; set ROOMCAST_VIP_PASSWORD to choose it)");
        }
        if (env.string("ROOMCAST_ADMIN_SECRET").isPresent()) {
            out.println("Admin broadcast: POST " + server.httpUri() + RoomcastServer.ADMIN_BROADCAST_PATH
                    + " with 'Authorization: Bearer <ROOMCAST_ADMIN_SECRET>'");
        }
        return server;
    }

    /**
     * The rooms that keep a history ({@code ROOMCAST_HISTORY_ROOMS}, a comma list; default none), each
     * of {@code ROOMCAST_HISTORY_SIZE} messages (default 1000) for {@code ROOMCAST_HISTORY_AGE_SECONDS}
     * (default 300): in memory on one node, in Redis with {@code ROOMCAST_REDIS_URL}.
     */
    private static RoomHistoryConfig histories(ConfigSources env) {
        int size = env.integer("ROOMCAST_HISTORY_SIZE", 1_000);
        Duration age = Duration.ofSeconds(env.integer("ROOMCAST_HISTORY_AGE_SECONDS", 300));
        RoomHistoryConfig.Builder histories = RoomHistoryConfig.builder();
        for (String room : env.string("ROOMCAST_HISTORY_ROOMS", "").split(",")) {
            if (room.isBlank()) {
                continue;
            }
            if (!RoomName.isValid(room.strip())) {
                throw new InvalidConfigException(List.of("ROOMCAST_HISTORY_ROOMS: expected room names but one was invalid"));
            }
            histories.room(RoomName.of(room.strip()), size, age);
        }
        return histories.build();
    }

    /** Variable {@code name} as messages per second with a burst of twice that, if set; a bad value fails naming it. */
    private static Optional<InboundRate> inboundRate(ConfigSources env, String name) {
        Optional<Double> perSecond = env.positiveNumber(name);
        try {
            return perSecond.map(InboundRate::withTwoSecondBurst);
        } catch (IllegalArgumentException e) { // too large for a burst of twice the rate; the message holds no secret
            throw new InvalidConfigException(List.of(name + ": " + e.getMessage()));
        }
    }

    /**
     * The origins the page itself is served from, so it may open the WebSocket: {@code http://host:port},
     * plus {@code localhost} for a loopback host. None for port 0 (the port is not known yet; tests pass
     * {@code ROOMCAST_ALLOWED_ORIGINS} or pick the port first).
     */
    static Set<String> pageOrigins(String host, int port) {
        Set<String> out = new LinkedHashSet<>();
        if (port == 0) {
            return out;
        }
        out.add("http://" + host + ":" + port);
        if (host.equals("127.0.0.1") || host.equals("localhost")) {
            out.add("http://127.0.0.1:" + port);
            out.add("http://localhost:" + port);
        }
        return out;
    }

    private static Set<String> origins(String commaList) {
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(commaList.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        return out;
    }

    private static byte[] randomSecret() {
        return randomText(43).getBytes(StandardCharsets.US_ASCII); // 43 base64url chars = 256 random bits
    }

    private static String randomText(int chars) {
        byte[] bytes = new byte[chars];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).substring(0, chars);
    }
}
