package dev.roomcast.hub;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.ClusterBus;
import jakarta.inject.Singleton;

/** Publishes the single-node {@link ClusterBus}: {@link InProcessClusterBus}. Alternative: a Redis bus module. */
@Module
public interface InProcessClusterBusModule {

    @Provides
    @Singleton
    static ClusterBus clusterBus() {
        return new InProcessClusterBus();
    }
}
