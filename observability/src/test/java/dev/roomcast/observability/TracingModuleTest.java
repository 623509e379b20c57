package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.EventRouter;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TracingModuleTest {

    @Test
    void aNoopOpenTelemetryAddsNoListenerToEitherSet() {
        Optional<TracingListener> listener = TracingModule.tracingListener(OpenTelemetry.noop(), EventRouter.empty());

        assertThat(listener).isEmpty();
        assertThat(TracingModule.tracingConnectionListener(listener)).isEmpty();
        assertThat(TracingModule.tracingHubListener(listener)).isEmpty();
    }

    @Test
    void anSdkAddsTheSameListenerToBothSets() {
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().build()).build()) {
            Optional<TracingListener> listener = TracingModule.tracingListener(sdk, EventRouter.empty());

            assertThat(listener).isPresent();
            assertThat(TracingModule.tracingConnectionListener(listener)).containsExactly(listener.get());
            assertThat(TracingModule.tracingHubListener(listener)).containsExactly(listener.get());
        }
    }
}
