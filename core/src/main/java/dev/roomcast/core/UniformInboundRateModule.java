package dev.roomcast.core;

import dagger.Module;
import dagger.Provides;

/**
 * Publishes {@link InboundRatePolicy}: every connection at {@link RoomcastConfig#inboundRatePerSecond()}
 * and {@link RoomcastConfig#inboundBurst()}, whoever it is. Alternative: a module of the application
 * that binds its own policy, such as {@link InboundRatePolicy#byRole} (the chat example's
 * {@code ChatInboundRateModule}).
 */
@Module
public interface UniformInboundRateModule {

    /** The configured rate for everyone. */
    @Provides
    static InboundRatePolicy inboundRatePolicy(RoomcastConfig config) {
        return InboundRatePolicy.uniform(config);
    }
}
