package dev.roomcast.observability;

import dagger.Module;
import dagger.Provides;
import dagger.multibindings.ElementsIntoSet;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HubListener;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.TracerProvider;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes the {@link TracingListener} into both the {@link ConnectionListener} and
 * {@link HubListener} sets. It consumes an {@link OpenTelemetry} binding, which the application
 * supplies (an SDK with its exporter, or {@link OpenTelemetry#noop()}), and the {@link EventRouter}.
 * With a no-op tracer provider it publishes nothing: every span would be a no-op, yet the listener
 * would still build a span, hold a map entry and a thread-local per connection and per event (about
 * 4% of the server's CPU per connect-publish-close cycle under churn).
 */
@Module
public interface TracingModule {

    @Provides
    @Singleton
    static Optional<TracingListener> tracingListener(OpenTelemetry openTelemetry, EventRouter router) {
        return isNoop(openTelemetry) ? Optional.empty() : Optional.of(new TracingListener(openTelemetry, router));
    }

    @Provides
    @ElementsIntoSet
    static Set<ConnectionListener> tracingConnectionListener(Optional<TracingListener> listener) {
        return listener.<Set<ConnectionListener>>map(Set::of).orElse(Set.of());
    }

    @Provides
    @ElementsIntoSet
    static Set<HubListener> tracingHubListener(Optional<TracingListener> listener) {
        return listener.<Set<HubListener>>map(Set::of).orElse(Set.of());
    }

    /** Whether every span {@code openTelemetry} starts is a no-op (its tracer provider is the API's no-op one). */
    static boolean isNoop(OpenTelemetry openTelemetry) {
        return openTelemetry.getTracerProvider() == TracerProvider.noop();
    }
}
