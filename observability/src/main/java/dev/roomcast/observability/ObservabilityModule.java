package dev.roomcast.observability;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.ElementsIntoSet;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubStats;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Contributes the {@code /health} and {@code /ready} {@link HttpRoute}s (into the server's route set)
 * from the bound {@link HubStats}.
 */
@Module
public interface ObservabilityModule {

    @Provides
    @ElementsIntoSet
    static Set<HttpRoute> healthRoutes(HubStats stats) {
        return new LinkedHashSet<>(new HealthRoutes(stats).routes());
    }
}
