package dev.roomcast.cluster.redis;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.ClusterBus;
import jakarta.inject.Singleton;

/**
 * Publishes the {@link ClusterBus} of a multi-node deployment: {@link RedisClusterBus}, connected
 * when the component first needs it (so building the hub fails fast, with Redis's address in the
 * message, if Redis is unreachable then). Needs a {@link RedisClusterConfig} binding (for example
 * {@code @BindsInstance}). The bus connects on the node's {@link SharedRedisClient} ({@link RedisClientModule}),
 * shared with {@link RedisHistoryModule}'s history. Alternative: {@code InProcessClusterBusModule} for a single node.
 */
@Module(includes = RedisClientModule.class)
public interface RedisClusterModule {

    @Provides
    @Singleton
    static RedisClusterBus redisClusterBus(RedisClusterConfig config, SharedRedisClient client) {
        return RedisClusterBus.connect(config, client);
    }

    @Provides
    @Singleton
    static ClusterBus clusterBus(RedisClusterBus bus) {
        return bus;
    }
}
