package dev.roomcast.cluster.redis;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomHistoryConfig;
import jakarta.inject.Singleton;

/**
 * Publishes the {@link RoomHistory} of a multi-node deployment: {@link RedisRoomHistory}, on the
 * cluster's Redis, keeping the histories a {@link RoomHistoryConfig} binding lists. Needs
 * {@link RedisClusterConfig} and {@link RoomHistoryConfig} bindings. Without this module (or another
 * RoomHistory binding) no room keeps a history. The history connects on the node's
 * {@link SharedRedisClient} ({@link RedisClientModule}), the one {@link RedisClusterModule}'s bus uses.
 */
@Module(includes = RedisClientModule.class)
public interface RedisHistoryModule {

    @Provides
    @Singleton
    static RedisRoomHistory redisRoomHistory(RedisClusterConfig cluster, RoomHistoryConfig rooms, SharedRedisClient client) {
        return RedisRoomHistory.connect(cluster, rooms, client);
    }

    @Provides
    @Singleton
    static RoomHistory roomHistory(RedisRoomHistory history) {
        return history;
    }
}
