package dev.roomcast.hub;

import dagger.Binds;
import dagger.Module;
import dagger.BindsOptionalOf;
import dagger.Provides;
import dagger.multibindings.Multibinds;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ClusterBus;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.HubStats;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomcastConfig;
import java.util.Optional;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Publishes the {@link Hub} (also as {@link HubStats}), built from {@link RoomcastConfig}, the codec, the clock, every bound
 * {@link HubListener} (contributed {@code @IntoSet} by other modules, so the hub never learns about
 * them), the bound {@link ClusterBus} and the {@link PresencePolicy}. Needs a ClusterBus binding:
 * {@link InProcessClusterBusModule} is the single-node one. A {@link RoomHistory} binding is optional:
 * without one no room keeps a history.
 */
@Module
public interface HubModule {

    /** The hub's load, for health checks and gauges. */
    @Binds
    HubStats hubStats(Hub hub);

    /** Hub listeners may be absent. */
    @Multibinds
    Set<HubListener> hubListeners();

    @Provides
    @Singleton
    static Hub hub(RoomcastConfig config, EnvelopeCodec codec, Clock clock, Set<HubListener> listeners,
                   ClusterBus bus, PresencePolicy presence, Optional<RoomHistory> history) {
        return new Hub(config, codec, clock, listeners, bus, presence, history);
    }

    /** A room history may be absent (then no room keeps one). */
    @BindsOptionalOf
    RoomHistory roomHistory();

    /** Presence as configured by {@link RoomcastConfig#presenceEnabled()} for every room. */
    @Provides
    static PresencePolicy presencePolicy(RoomcastConfig config) {
        return PresencePolicy.always(config.presenceEnabled());
    }
}
