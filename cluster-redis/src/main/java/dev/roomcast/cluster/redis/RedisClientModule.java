package dev.roomcast.cluster.redis;

import dagger.Module;
import dagger.Provides;
import jakarta.inject.Singleton;

/**
 * Publishes a node's one {@link SharedRedisClient}, opened once from the {@link RedisClusterConfig}
 * binding: {@link RedisClusterModule} and {@link RedisHistoryModule} both include it, so a component
 * with both runs one Lettuce client (one set of event-loop threads) for the bus and the history. The
 * client is shut down when the last of them has closed (the hub closes both when it stops); nothing
 * else needs to close it.
 */
@Module
public interface RedisClientModule {

    @Provides
    @Singleton
    static SharedRedisClient sharedRedisClient(RedisClusterConfig config) {
        return SharedRedisClient.open(config);
    }
}
