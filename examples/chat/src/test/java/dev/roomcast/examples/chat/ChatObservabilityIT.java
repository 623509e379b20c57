package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat example's observability as its Dagger component wires it: /metrics, /health, /ready and spans. */
@Timeout(60)
class ChatObservabilityIT {
    private static final String SECRET = "chat-test-secret-that-is-at-least-32-bytes";

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<SpanData> spans = new CopyOnWriteArrayList<>();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> batch) {
                    spans.addAll(batch);
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode flush() {
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode shutdown() {
                    return CompletableResultCode.ofSuccess();
                }
            })).build()).build();
    private RoomcastServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        otel.close();
        http.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theChatServesMetricsHealthAndSpans() throws Exception {
        server = ChatServer.start(new ConfigSources(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_TOKEN_SECRET", SECRET,
                "ROOMCAST_VIP_PASSWORD", "pw-123456"), Map.of()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), otel);
        String token = new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint("alice", Optional.of("Alice"), Set.of(), Duration.ofMinutes(5));
        TestClient alice = TestClient.connect(http, URI.create(server.webSocketUri() + "?room=lobby"),
                Map.of("Authorization", "Bearer " + token));
        alice.awaitType("joined");
        alice.send("{\"type\":\"typing\",\"payload\":{\"room\":\"lobby\"}}").awaitType("typing");

        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(metrics.body()).contains(
                "roomcast_connections_active 1.0",
                "roomcast_connections_opened_total{outcome=\"accepted\"} 1.0",
                "roomcast_room_joins_total 1.0",
                "jvm_memory_used_bytes");
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/metrics").body()
                .contains("roomcast_event_duration_seconds_count{outcome=\"handled\",type=\"typing\"} 1"));

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"", "\"connections\":1");
        assertThat(get("/ready").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).until(() -> spans.stream().anyMatch(s -> s.getName().equals("event typing")));
        SpanData upgrade = spans.stream().filter(s -> s.getName().equals("upgrade")).findFirst().orElseThrow();
        SpanData typing = spans.stream().filter(s -> s.getName().equals("event typing")).findFirst().orElseThrow();
        assertThat(typing.getParentSpanId()).isEqualTo(upgrade.getSpanId());
        await().atMost(Duration.ofSeconds(5)).until(() -> spans.stream().anyMatch(s -> s.getName().equals("broadcast")
                && s.getParentSpanId().equals(typing.getSpanId())));
    }

    @Test
    void reconnectingWithTheSameTokenIsATokenCacheHitOnTheMetricsPage() throws Exception {
        server = ChatServer.start(new ConfigSources(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_TOKEN_SECRET", SECRET,
                "ROOMCAST_VIP_PASSWORD", "pw-123456"), Map.of()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), otel);
        String token = new TokenMinter(SECRET.getBytes(StandardCharsets.UTF_8))
                .mint("alice", Optional.of("Alice"), Set.of(), Duration.ofMinutes(5));
        URI lobby = URI.create(server.webSocketUri() + "?room=lobby");
        assertThat(get("/metrics").body()).contains("roomcast_token_cache_hits_total 0.0", "roomcast_token_cache_misses_total 0.0");

        try (TestClient first = TestClient.connect(http, lobby, Map.of("Authorization", "Bearer " + token))) {
            first.awaitType("joined");
        }
        try (TestClient again = TestClient.connect(http, lobby, Map.of("Authorization", "Bearer " + token))) {
            again.awaitType("joined");
        }

        assertThat(get("/metrics").body()).contains("roomcast_token_cache_hits_total 1.0", "roomcast_token_cache_misses_total 1.0");
    }
}
