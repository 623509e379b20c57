package dev.roomcast.core;

import dagger.Module;
import dagger.Provides;
import jakarta.inject.Singleton;

/**
 * Publishes the core services built from {@link RoomcastConfig}: the {@link EnvelopeCodec} and the
 * system {@link Clock}. The component supplies the {@code RoomcastConfig} instance.
 */
@Module
public interface CoreModule {

    /** The one codec of the service, with the configured message limit. */
    @Provides
    @Singleton
    static EnvelopeCodec envelopeCodec(RoomcastConfig config) {
        return EnvelopeCodec.of(config);
    }

    /** The system clock. */
    @Provides
    static Clock clock() {
        return Clock.system();
    }
}
