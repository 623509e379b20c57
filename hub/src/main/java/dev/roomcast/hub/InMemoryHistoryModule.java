package dev.roomcast.hub;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.Clock;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomHistoryConfig;
import jakarta.inject.Singleton;

/**
 * Publishes the {@link RoomHistory} of a single node: {@link InMemoryRoomHistory}, keeping the
 * histories a {@link RoomHistoryConfig} binding lists. Alternative: {@code RedisHistoryModule} for
 * several nodes; without either, no room keeps a history.
 */
@Module
public interface InMemoryHistoryModule {

    @Provides
    @Singleton
    static RoomHistory roomHistory(RoomHistoryConfig rooms, Clock clock) {
        return new InMemoryRoomHistory(rooms, clock);
    }
}
