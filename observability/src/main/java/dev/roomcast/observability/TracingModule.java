package dev.roomcast.observability;

import dagger.Binds;
import dagger.Module;
import dagger.Provides;
import dagger.multibindings.IntoSet;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HubListener;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

/**
 * Publishes the {@link TracingListener} into both the {@link ConnectionListener} and
 * {@link HubListener} sets. It consumes an {@link OpenTelemetry} binding, which the application
 * supplies (an SDK with its exporter, or {@link OpenTelemetry#noop()}), and the {@link EventRouter}.
 */
@Module
public interface TracingModule {

    @Provides
    @Singleton
    static TracingListener tracingListener(OpenTelemetry openTelemetry, EventRouter router) {
        return new TracingListener(openTelemetry, router);
    }

    @Binds
    @IntoSet
    ConnectionListener tracingConnectionListener(TracingListener listener);

    @Binds
    @IntoSet
    HubListener tracingHubListener(TracingListener listener);
}
