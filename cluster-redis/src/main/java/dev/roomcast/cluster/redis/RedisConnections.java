package dev.roomcast.cluster.redis;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this module's Redis users (the cluster bus and the room history) let go of their Lettuce
 * connections, opened on their node's {@link SharedRedisClient}: each is closed on its own, and a
 * failure to close one is logged and does not keep the others open, because closing runs during
 * shutdown or after Redis has already gone away.
 */
final class RedisConnections {
    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    private RedisConnections() {
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
