package dev.roomcast.observability;

import dagger.Binds;
import dagger.BindsOptionalOf;
import dagger.Module;
import dagger.Provides;
import dagger.multibindings.ElementsIntoSet;
import dagger.multibindings.IntoSet;
import dagger.multibindings.Multibinds;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.HubStats;
import dev.roomcast.core.TokenCacheListener;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes metrics and health: the {@link PrometheusMetrics} registry (JVM and process meters bound),
 * the {@link MetricsListener} into the {@link ConnectionListener}, {@link HubListener} and
 * {@link TokenCacheListener} sets (the last read by {@code auth}'s token modules, if installed),
 * and the {@code /metrics}, {@code /health} and {@code /ready} {@link HttpRoute}s. It consumes the
 * bound {@link HubStats} and {@link EventRouter}, an optional {@link MetricsOptions} (default: no room
 * labels) and the set of {@link HealthCheck}s other modules contribute {@code @IntoSet} (may be empty).
 * Tracing is separate: {@link TracingModule}.
 */
@Module
public interface ObservabilityModule {

    @Multibinds
    Set<HealthCheck> healthChecks();

    @BindsOptionalOf
    MetricsOptions metricsOptions();

    @Provides
    @Singleton
    static PrometheusMetrics prometheusMetrics() {
        return PrometheusMetrics.create();
    }

    @Provides
    @Singleton
    static MetricsListener metricsListener(PrometheusMetrics metrics, EventRouter router, Optional<MetricsOptions> options) {
        return new MetricsListener(metrics.registry(), router, options.orElseGet(MetricsOptions::defaults));
    }

    @Binds
    @IntoSet
    ConnectionListener metricsConnectionListener(MetricsListener listener);

    @Binds
    @IntoSet
    HubListener metricsHubListener(MetricsListener listener);

    @Binds
    @IntoSet
    TokenCacheListener metricsTokenCacheListener(MetricsListener listener);

    /**
     * {@code /health}, {@code /ready} and {@code /metrics}. The hub's gauges are bound here rather than
     * with the registry because the hub itself needs the listener, which needs the registry.
     */
    @Provides
    @ElementsIntoSet
    static Set<HttpRoute> observabilityRoutes(HubStats stats, PrometheusMetrics metrics, Set<HealthCheck> checks) {
        List<HealthCheck> ordered = new ArrayList<>(checks);
        ordered.sort(java.util.Comparator.comparing(HealthCheck::name));
        Set<HttpRoute> routes = new LinkedHashSet<>(new HealthRoutes(stats, ordered).routes());
        routes.add(metrics.bindHubStats(stats).route());
        return routes;
    }
}
