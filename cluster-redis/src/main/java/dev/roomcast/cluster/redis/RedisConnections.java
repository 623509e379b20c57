package dev.roomcast.cluster.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this module's Redis users (the cluster bus and the room history) let go of their Lettuce
 * connections: each is closed on its own, and a failure to close one is logged and does not keep
 * the others open, because closing runs during shutdown or after Redis has already gone away.
 */
final class RedisConnections {
    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    private RedisConnections() {
    }

    /**
     * A Lettuce client with its own small event loop (a user of Redis here never shares, or outlives,
     * a global Netty pool), reconnecting by itself every {@code reconnectDelay}, and failing commands
     * at once while disconnected instead of buffering them without bound.
     */
    record OwnedClient(ClientResources resources, RedisClient client) {

        static OwnedClient open(RedisClusterConfig config, int computationThreads) {
            ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2)
                    .computationThreadPoolSize(computationThreads)
                    .reconnectDelay(Delay.constant(config.reconnectDelay())).build();
            RedisClient client = RedisClient.create(resources, RedisURI.create(config.redisUri()));
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(10_000)
                    .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                    .build());
            return new OwnedClient(resources, client);
        }

        /** Shuts the client and then its event loop down, each within 2 s. */
        void shutdown() {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Closes every non-null connection of {@code owner} (named in the log line), ignoring failures. */
    static void closeQuietly(String owner, AutoCloseable... connections) {
        for (AutoCloseable c : connections) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                log.debug("{}: closing a Redis connection failed ({})", owner, e.getClass().getSimpleName());
            }
        }
    }
}
