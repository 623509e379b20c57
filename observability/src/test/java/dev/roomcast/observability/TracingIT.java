package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Traces over real sockets, collected by the OpenTelemetry SDK's in-memory exporter: the upgrade span
 * continues the caller's {@code traceparent}, event spans are its children, a broadcast span is the
 * child of the event that made it and counts its recipients, and an envelope's own
 * {@code traceparent} carries a client's trace through the hub to every recipient.
 */
@Timeout(60)
class TracingIT {
    private static final String CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN = "b7ad6b7169203331";
    private static final String CALLER_TRACEPARENT = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();
    private TracingListener tracing;
    private ObservedServer server;

    @BeforeEach
    void start() {
        EventRouter router = EventRouter.empty();
        tracing = new TracingListener(otel, router);
        server = ObservedServer.start(RoomcastConfig.builder().presenceEnabled(false).build(), router,
                List.of(tracing), hub -> List.of());
    }

    @AfterEach
    void stop() {
        server.close();
        otel.close();
    }

    private SpanData awaitSpan(String description, Predicate<SpanData> matching) {
        await(description).atMost(WAIT).until(() -> exporter.getFinishedSpanItems().stream().anyMatch(matching));
        List<SpanData> found = exporter.getFinishedSpanItems().stream().filter(matching).toList();
        assertThat(found).as(description).hasSize(1);
        return found.getFirst();
    }

    private static Predicate<SpanData> named(String name) {
        return s -> s.getName().equals(name);
    }

    private static Predicate<SpanData> ofConnection(String name, SpanData upgrade) {
        String id = upgrade.getAttributes().get(TracingListener.CONNECTION_ID);
        return s -> s.getName().equals(name) && id.equals(s.getAttributes().get(TracingListener.CONNECTION_ID));
    }

    private SpanData upgradeOf(String subject, Predicate<SpanData> extra) {
        return awaitSpan("upgrade of " + subject, named("upgrade").and(extra));
    }

    @Test
    void theUpgradeSpanContinuesTheCallersTraceAndParentsTheConnectionsEvents() {
        TestClient bob = server.connect("bob", "?room=lobby");
        bob.awaitType("joined");
        TestClient alice = server.connect("alice", "", Map.of("traceparent", CALLER_TRACEPARENT));
        alice.send("{\"type\":\"join\",\"room\":\"lobby\"}").awaitType("joined");
        alice.send("{\"type\":\"publish\",\"room\":\"lobby\",\"payload\":{\"text\":\"hi\"}}");
        JsonNode delivered = bob.awaitType("message");

        SpanData upgrade = upgradeOf("alice", s -> s.getTraceId().equals(CALLER_TRACE));
        assertThat(upgrade.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(upgrade.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(upgrade.getAttributes().get(TracingListener.OUTCOME)).isEqualTo("accepted");
        assertThat(upgrade.getAttributes().get(TracingListener.HTTP_STATUS)).isEqualTo(101L);

        SpanData join = awaitSpan("join event", ofConnection("event join", upgrade));
        SpanData publish = awaitSpan("publish event", ofConnection("event publish", upgrade));
        for (SpanData event : List.of(join, publish)) {
            assertThat(event.getTraceId()).isEqualTo(CALLER_TRACE);
            assertThat(event.getParentSpanId()).as("parent of %s", event.getName()).isEqualTo(upgrade.getSpanId());
            assertThat(event.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(event.getAttributes().get(TracingListener.ROOM)).isEqualTo("lobby");
            assertThat(event.getAttributes().get(TracingListener.OUTCOME)).isEqualTo("handled");
            assertThat(event.getAttributes().get(TracingListener.MESSAGE_SIZE)).isPositive();
        }

        SpanData broadcast = awaitSpan("broadcast", named("broadcast"));
        assertThat(broadcast.getTraceId()).isEqualTo(CALLER_TRACE);
        assertThat(broadcast.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(broadcast.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(broadcast.getAttributes().get(TracingListener.ROOM)).isEqualTo("lobby");
        assertThat(broadcast.getAttributes().get(TracingListener.RECIPIENTS)).isEqualTo(2L);
        assertThat(broadcast.getAttributes().get(TracingListener.ENQUEUED)).isEqualTo(2L);
        assertThat(broadcast.getAttributes().get(TracingListener.DROPPED)).isZero();

        assertThat(delivered.path("traceparent").asText()).as("the recipient can continue the trace")
                .isEqualTo("00-" + CALLER_TRACE + "-" + publish.getSpanId() + "-01");
    }

    @Test
    void anEnvelopesTraceparentCarriesTheClientsTraceThroughTheHubToTheRecipients() {
        String clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String clientSpan = "00f067aa0ba902b7";
        TestClient bob = server.connect("bob", "?room=lobby");
        bob.awaitType("joined");
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        alice.send("{\"type\":\"publish\",\"room\":\"lobby\",\"traceparent\":\"00-" + clientTrace + "-" + clientSpan
                + "-01\",\"payload\":{}}");
        JsonNode delivered = bob.awaitType("message");

        SpanData publish = awaitSpan("publish event", named("event publish"));
        assertThat(publish.getTraceId()).isEqualTo(clientTrace);
        assertThat(publish.getParentSpanId()).isEqualTo(clientSpan);
        SpanData upgrade = upgradeOf("alice", s -> s.getAttributes().get(TracingListener.CONNECTION_ID)
                .equals(publish.getAttributes().get(TracingListener.CONNECTION_ID)));
        assertThat(publish.getLinks()).as("linked to its connection's upgrade")
                .anyMatch(link -> link.getSpanContext().getSpanId().equals(upgrade.getSpanId()));
        SpanData broadcast = awaitSpan("broadcast", named("broadcast"));
        assertThat(broadcast.getTraceId()).isEqualTo(clientTrace);
        assertThat(broadcast.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(delivered.path("traceparent").asText()).startsWith("00-" + clientTrace + "-");
    }

    @Test
    void aRefusedUpgradeIsASpanInTheCallersTraceWithItsCode() throws Exception {
        try (RawWebSocket raw = RawWebSocket.open(server.port())) {
            assertThat(raw.upgrade("/ws", Map.of("Authorization", "Bearer forged", "traceparent", CALLER_TRACEPARENT))
                    .status()).isEqualTo(401);
        }

        SpanData upgrade = upgradeOf("a forged token", s -> true);
        assertThat(upgrade.getTraceId()).isEqualTo(CALLER_TRACE);
        assertThat(upgrade.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(upgrade.getAttributes().get(TracingListener.OUTCOME)).isEqualTo("rejected");
        assertThat(upgrade.getAttributes().get(TracingListener.ERROR_CODE)).isEqualTo("INVALID_TOKEN");
        assertThat(upgrade.getAttributes().get(TracingListener.AUTH_FAILURE)).isEqualTo("bad_signature");
        assertThat(upgrade.getAttributes().get(TracingListener.HTTP_STATUS)).isEqualTo(401L);
        assertThat(upgrade.getStatus().getStatusCode()).as("a client error is not a server error").isEqualTo(StatusCode.UNSET);
        assertThat(upgrade.getAttributes().asMap().values()).noneMatch(v -> v.toString().contains("forged"));
    }

    @Test
    void aConnectionsUpgradeSpanIsForgottenWhenItCloses() {
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        upgradeOf("alice", s -> true);
        assertThat(tracing.heldUpgradeSpans()).isEqualTo(1);

        alice.close();

        await().atMost(WAIT).until(() -> tracing.heldUpgradeSpans() == 0);
    }

    @Test
    void aBroadcastWithoutTraceContextRecordsNoSpanUnlessAskedTo() throws Exception {
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        RoomName lobby = RoomName.of("lobby");

        server.hub().broadcastRoom(lobby, Envelope.toRoom("notice", lobby, null), Optional.empty()).get(5, TimeUnit.SECONDS);
        alice.awaitType("notice");

        assertThat(exporter.getFinishedSpanItems()).noneMatch(named("broadcast"));

        TracingListener everything = new TracingListener(otel, EventRouter.empty(), true);
        everything.onBroadcastCompleted(new dev.roomcast.core.BroadcastRecord(Optional.of(lobby), "notice",
                new dev.roomcast.core.BroadcastResult(1, 1, 0, 0, 0, Optional.empty()), java.time.Instant.now(),
                java.time.Instant.now(), Optional.empty()));
        SpanData root = awaitSpan("an untraced broadcast as a root span", named("broadcast"));
        assertThat(root.getParentSpanContext().isValid()).isFalse();
    }
}
