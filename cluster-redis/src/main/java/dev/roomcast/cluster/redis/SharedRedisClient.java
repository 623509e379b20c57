package dev.roomcast.cluster.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Lettuce client of a node, and its only lifecycle owner: the {@link RedisClusterBus} and the
 * {@link RedisRoomHistory} of a node open their connections (pub/sub and commands, each its own) on
 * it, so a node runs one set of Lettuce event-loop threads instead of one per user. Each user takes a
 * {@link Lease} before it connects and closes it after it closed its connections; the client (and then
 * its event loop) is shut down once, when the last lease is closed, or at once by {@link #close}. Both
 * are idempotent, so the order is always: the users' connections first, the client last. The client
 * reconnects by itself every {@link RedisClusterConfig#reconnectDelay}, fails commands at once while
 * disconnected (never buffering them without bound) and times a command out after
 * {@link RedisClusterConfig#commandTimeout}. Once shut down it leases nothing more. Thread-safe.
 */
public final class SharedRedisClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedRedisClient.class);

    private final RedisClusterConfig config;
    private final ClientResources resources;
    private final RedisClient client;
    /** Guards {@link #leases} and {@link #shutDown}, so no lease is granted on a client being shut down. */
    private final ReentrantLock lock = new ReentrantLock();
    private int leases;
    private boolean shutDown;
    private final AtomicInteger shutdowns = new AtomicInteger();

    private SharedRedisClient(RedisClusterConfig config) {
        this.config = config;
        // Its own small event loop: a node never shares, or outlives, a global Netty pool. Two I/O
        // threads and two computation threads, as the bus alone had before it shared its client.
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(Delay.constant(config.reconnectDelay())).build();
        this.client = RedisClient.create(resources, RedisURI.create(config.redisUri()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(10_000)
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                .build());
    }

    /**
     * A client for Redis at {@code config}'s address with the cluster's reconnect delay and command
     * timeout. Connects nothing yet: its users connect, and fail naming Redis's address if it is unreachable.
     */
    public static SharedRedisClient open(RedisClusterConfig config) {
        return new SharedRedisClient(Objects.requireNonNull(config, "config"));
    }

    /** The configuration the client was opened with (address, reconnect delay, command timeout). */
    public RedisClusterConfig config() {
        return config;
    }

    /**
     * A lease for {@code user} (named in the errors) configured by {@code userConfig}, which must name the
     * client's Redis, command timeout and reconnect delay: the user connects through {@link Lease#client}
     * and closes the lease after its connections. Throws {@link IllegalStateException} when the client is shut down.
     */
    Lease lease(String user, RedisClusterConfig userConfig) {
        if (!config.redisUri().equals(userConfig.redisUri()) || !config.commandTimeout().equals(userConfig.commandTimeout())
                || !config.reconnectDelay().equals(userConfig.reconnectDelay())) {
            // The client's options are the ones every connection on it gets: a user must not expect others.
            throw new IllegalArgumentException(user + ": expected the Redis client's address, commandTimeout and "
                    + "reconnectDelay but the configurations differ");
        }
        lock.lock();
        try {
            if (shutDown) {
                throw new IllegalStateException(user + ": expected an open Redis client but it was shut down");
            }
            leases++;
            return new Lease();
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        lock.lock();
        try {
            leases--;
            if (leases > 0 || shutDown) {
                return;
            }
            shutDown = true;
        } finally {
            lock.unlock();
        }
        shutdownClient();
    }

    /**
     * Shuts the client down now, whether or not a user still holds a lease (its connections then end
     * with it); idempotent. Normally unneeded: the last user's close shuts the client down.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (shutDown) {
                return;
            }
            shutDown = true;
        } finally {
            lock.unlock();
        }
        shutdownClient();
    }

    /** Whether the client has been shut down. */
    public boolean isShutDown() {
        lock.lock();
        try {
            return shutDown;
        } finally {
            lock.unlock();
        }
    }

    /** Leases not yet closed. Package-private, for tests. */
    int openLeases() {
        lock.lock();
        try {
            return leases;
        } finally {
            lock.unlock();
        }
    }

    /** How often the client was shut down: 0 or 1. Package-private, for tests. */
    int shutdownCount() {
        return shutdowns.get();
    }

    /** Shuts the client and then its event loop down, each within 2 s; runs once. */
    private void shutdownClient() {
        shutdowns.incrementAndGet();
        try {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            log.debug("Redis client: shutting down failed ({})", e.getClass().getSimpleName());
        }
        try {
            // Waited for (bounded), so no Lettuce thread outlives the node's close.
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("Redis client: its event loop did not end in time ({})", e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One user's hold on the shared client. {@link #close} (idempotent) lets go; the last one shuts the
     * client down.
     */
    final class Lease implements AutoCloseable {
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease() {
        }

        /** The shared Lettuce client, to open this user's connections on. */
        RedisClient client() {
            return client;
        }

        /** The client's owner. */
        SharedRedisClient owner() {
            return SharedRedisClient.this;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release();
            }
        }
    }
}
