package dev.roomcast.observability;

import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubStats;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Prometheus meter registry with the JVM and process meters bound (memory, GC, threads, class
 * loading, CPU, uptime, file descriptors), and the {@code GET /metrics} route that serves it in the
 * Prometheus text format. Roomcast's own meters join it through {@link MetricsListener} and
 * {@link #bindHubStats}. Close it when the service stops (it unhooks the GC listeners).
 */
public final class PrometheusMetrics implements AutoCloseable {
    /** The scrape path. */
    public static final String METRICS_PATH = "/metrics";
    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final AtomicBoolean hubBound = new AtomicBoolean();

    private PrometheusMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** A new registry with the JVM and process meters bound. */
    public static PrometheusMetrics create() {
        return new PrometheusMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** The registry, for a {@link MetricsListener} or an application's own meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Binds the hub's load gauges ({@link HubGauges}); later calls do nothing. */
    public PrometheusMetrics bindHubStats(HubStats stats) {
        Objects.requireNonNull(stats, "stats");
        if (hubBound.compareAndSet(false, true)) {
            new HubGauges(stats).bindTo(registry);
        }
        return this;
    }

    /** {@code GET /metrics}: every meter in the Prometheus text format. Runs on a worker thread. */
    public HttpRoute route() {
        return HttpRoute.get(METRICS_PATH, request -> HttpResponse.of(200, CONTENT_TYPE, registry.scrape()));
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
