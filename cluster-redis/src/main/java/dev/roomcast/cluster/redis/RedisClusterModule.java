package dev.roomcast.cluster.redis;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.ClusterBus;
import jakarta.inject.Singleton;

/**
 * Publishes the {@link ClusterBus} of a multi-node deployment: {@link RedisClusterBus}, connected
 * when the component first needs it (so building the hub fails fast, with Redis's address in the
 * message, if Redis is unreachable then). Needs a {@link RedisClusterConfig} binding (for example
 * {@code @BindsInstance}). Alternative: {@code InProcessClusterBusModule} for a single node.
 */
@Module
public interface RedisClusterModule {

    @Provides
    @Singleton
    static RedisClusterBus redisClusterBus(RedisClusterConfig config) {
        return RedisClusterBus.connect(config);
    }

    @Provides
    @Singleton
    static ClusterBus clusterBus(RedisClusterBus bus) {
        return bus;
    }
}
