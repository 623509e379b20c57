package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.testing.LogCapture;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection log lines carry the connection id in the MDC whichever thread writes them, a handler's
 * lines also carry the trace id of the event span that is active, and no line (nor MDC value) ever
 * carries a token, a password or a message body.
 */
@Timeout(60)
class ConnectionLogsIT {
    private static final Logger handlerLog = LoggerFactory.getLogger("dev.roomcast.observability.TestHandler");
    private static final String TOKEN_MARKER = "tok-3f9a1c";
    private static final String PASSWORD_MARKER = "pw-8e2b77";
    private static final String BODY_MARKER = "body-51d0e4";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();
    private final AtomicReference<ConnectionId> noteConnection = new AtomicReference<>();
    private LogCapture logs;
    private ObservedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (logs != null) {
            logs.close();
        }
        otel.close();
    }

    private void start(RoomcastConfig config) {
        EventRouter router = EventRouter.builder().on("note", Object.class, (ctx, payload) -> {
            noteConnection.set(ctx.connectionId());
            handlerLog.info("handling a note");
        }).build();
        PrometheusMetrics metrics = PrometheusMetrics.create();
        server = ObservedServer.start(config, router, List.of(new TracingListener(otel, router),
                new MetricsListener(metrics.registry(), router, MetricsOptions.defaults())), hub -> List.of());
    }

    private List<ILoggingEvent> linesStartingWith(String prefix) {
        return logs.events().stream().filter(e -> e.getFormattedMessage().startsWith(prefix)).toList();
    }

    @Test
    void openAndRoutineCloseLinesAreDebugAndCarryTheConnectionIdAndHandlerLinesTheTraceId() {
        logs = LogCapture.start(Level.DEBUG);
        start(RoomcastConfig.defaults());
        TestClient alice = server.connect("alice", "?room=lobby",
                Map.of("X-Roomcast-Room-Password", PASSWORD_MARKER));
        alice.awaitType("joined");
        alice.send("{\"type\":\"note\",\"id\":\"n1\",\"payload\":{\"text\":\"" + BODY_MARKER + "\"}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> !linesStartingWith("handling a note").isEmpty());
        alice.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !linesStartingWith("closed connection").isEmpty());

        String id = noteConnection.get().value();
        ILoggingEvent opened = linesStartingWith("opened connection").getFirst();
        ILoggingEvent closed = linesStartingWith("closed connection").getFirst();
        for (ILoggingEvent line : List.of(opened, closed)) {
            assertThat(line.getLevel()).as("a routine open or 1000 close is DEBUG").isEqualTo(Level.DEBUG);
            assertThat(line.getMDCPropertyMap()).as("MDC of '%s' on %s", line.getFormattedMessage(), line.getThreadName())
                    .containsEntry("connectionId", id);
            assertThat(line.getFormattedMessage()).contains("subject=alice");
        }
        assertThat(opened.getThreadName()).as("written off the connection's reader thread")
                .doesNotStartWith("roomcast-connection-");
        assertThat(closed.getFormattedMessage()).contains("code=1000", "reason=closed by client");

        ILoggingEvent handled = linesStartingWith("handling a note").getFirst();
        SpanData span = exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals("event note"))
                .findFirst().orElseThrow();
        assertThat(handled.getMDCPropertyMap())
                .containsEntry("connectionId", id)
                .containsEntry(TracingListener.MDC_TRACE_ID, span.getTraceId())
                .containsEntry(TracingListener.MDC_SPAN_ID, span.getSpanId());
        assertThat(closed.getMDCPropertyMap()).as("no trace id once the span has ended")
                .doesNotContainKey(TracingListener.MDC_TRACE_ID);
        assertNoSecrets();
    }

    @Test
    void aSlowConsumersCloseLineCarriesItsIdThoughAnotherThreadWritesIt() throws Exception {
        logs = LogCapture.start();
        start(RoomcastConfig.builder().sendQueueSize(4).sendBehavior(SendBehavior.CLOSE).presenceEnabled(false).build());
        try (RawWebSocket slow = RawWebSocket.open(server.port(), 4096)) {
            assertThat(slow.upgrade("/ws?room=slow", Map.of("Authorization", "Bearer valid:slow")).status()).isEqualTo(101);
            slow.readUntil(RawWebSocket.OP_TEXT);
            ObjectNode payload = JsonNodeFactory.instance.objectNode().put("pad", "x".repeat(32 * 1024));
            RoomName room = RoomName.of("slow");
            int closedMembers = 0;
            for (int n = 0; n < 2_000 && closedMembers == 0; n++) { // bounded: 64 MB at most
                closedMembers = server.hub().broadcastRoom(room, Envelope.toRoom("message", room, payload), Optional.empty())
                        .get(5, TimeUnit.SECONDS).closed();
            }
            assertThat(closedMembers).as("the slow member was closed").isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> !linesStartingWith("closed connection").isEmpty());
        }

        ILoggingEvent tooSlow = linesStartingWith("connection ").stream()
                .filter(e -> e.getFormattedMessage().contains("too slow")).findFirst().orElseThrow();
        ILoggingEvent closed = linesStartingWith("closed connection").getFirst();
        String id = closed.getFormattedMessage().split(" ")[2];
        // Written by the thread that delivered the broadcast: this test's own (a small room's broadcast
        // from a platform thread is delivered there when its lane is idle) or a lane runner, never the
        // slow connection's.
        assertThat(tooSlow.getThreadName()).satisfiesAnyOf(
                name -> assertThat(name).isEqualTo(Thread.currentThread().getName()),
                name -> assertThat(name).startsWith("roomcast-broadcast-"));
        assertThat(tooSlow.getMDCPropertyMap()).containsEntry("connectionId", id);
        assertThat(closed.getMDCPropertyMap()).containsEntry("connectionId", id);
        assertThat(closed.getFormattedMessage()).contains("code=1013");
        assertThat(closed.getLevel()).as("a close other than 1000/1001 is INFO").isEqualTo(Level.INFO);
    }

    @Test
    void aRefusedTokenIsNeverLogged() throws Exception {
        logs = LogCapture.start();
        start(RoomcastConfig.defaults());
        try (RawWebSocket raw = RawWebSocket.open(server.port())) {
            assertThat(raw.upgrade("/ws?room=lobby", Map.of("Authorization", "Bearer " + TOKEN_MARKER,
                    "X-Roomcast-Room-Password", PASSWORD_MARKER)).status()).isEqualTo(401);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !linesStartingWith("upgrade refused").isEmpty());

        assertThat(linesStartingWith("upgrade refused").getFirst().getFormattedMessage())
                .contains("INVALID_TOKEN", "bad_signature");
        assertNoSecrets();
    }

    private void assertNoSecrets() {
        for (ILoggingEvent e : logs.events()) {
            String everything = e.getFormattedMessage() + " " + e.getMDCPropertyMap();
            assertThat(everything).as("log line").doesNotContain(TOKEN_MARKER, PASSWORD_MARKER, BODY_MARKER, "valid:");
        }
        assertThat(logs.lines()).noneMatch(l -> l.contains(TOKEN_MARKER) || l.contains(PASSWORD_MARKER)
                || l.contains(BODY_MARKER));
    }
}
