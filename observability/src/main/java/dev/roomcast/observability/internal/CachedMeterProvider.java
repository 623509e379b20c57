package dev.roomcast.observability.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Meter.MeterProvider} that remembers the meter for each list of tag keys and values it
 * was asked for, so a hot path (a close, a broadcast, a handled event) finds its meter in one map
 * lookup. Micrometer's own provider builds, sorts and deduplicates the tags and looks the meter up
 * in the registry on every call, which was about 5% of the server's CPU under connection churn.
 * The map is bounded because every tag value Roomcast passes is already bounded
 * ({@link BoundedLabels}).
 */
public final class CachedMeterProvider<M extends Meter> implements Meter.MeterProvider<M> {

    private final Meter.MeterProvider<M> delegate;
    private final ConcurrentHashMap<List<String>, M> meters = new ConcurrentHashMap<>();

    /** Caches the meters {@code delegate} provides. */
    public CachedMeterProvider(Meter.MeterProvider<M> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public M withTags(String... keyValues) {
        List<String> key = List.of(keyValues);
        M meter = meters.get(key);
        return meter != null ? meter : meters.computeIfAbsent(key, k -> delegate.withTags(keyValues));
    }

    @Override
    public M withTags(Iterable<? extends Tag> tags) {
        return delegate.withTags(tags); // not on a hot path: no cache, so no key to build
    }
}
