package dev.roomcast.examples.chat;

import dev.roomcast.core.ConfigSources;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.util.Locale;

/**
 * The chat's OpenTelemetry, chosen by {@code ROOMCAST_TRACING}: {@code logging} builds the SDK with
 * the logging exporter (every span printed to the log, for trying tracing locally); unset or
 * {@code none} means no tracing ({@link OpenTelemetry#noop()}). For a real collector, swap the
 * exporter for OTLP ({@code opentelemetry-exporter-otlp}'s {@code OtlpGrpcSpanExporter}); Roomcast
 * itself only ever sees the API.
 */
final class ChatTracing {

    private ChatTracing() {
    }

    /** The OpenTelemetry that {@code ROOMCAST_TRACING} asks for. */
    static OpenTelemetry fromEnvironment(ConfigSources env) {
        String choice = env.string("ROOMCAST_TRACING", "none").trim().toLowerCase(Locale.ROOT);
        return switch (choice) {
            case "none", "" -> OpenTelemetry.noop();
            case "logging" -> loggingSdk();
            default -> throw new IllegalArgumentException("ROOMCAST_TRACING: expected none or logging but was " + choice);
        };
    }

    /** An SDK that batches spans to the logging exporter, labelled as the {@code roomcast-chat} service. */
    static OpenTelemetrySdk loggingSdk() {
        // snippet:otel-sdk
        Resource service = Resource.getDefault()
                .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "roomcast-chat")));
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .setResource(service)
                .addSpanProcessor(BatchSpanProcessor.builder(LoggingSpanExporter.create()).build())
                .build();
        return OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
        // end-snippet
    }

    /** Flushes and stops an SDK (the spans still batched are exported); does nothing for the no-op. */
    static void close(OpenTelemetry openTelemetry) {
        if (openTelemetry instanceof OpenTelemetrySdk sdk) {
            sdk.close();
        }
    }
}
