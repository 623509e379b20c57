package dev.roomcast.observability;

import dev.roomcast.core.BroadcastRecord;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRecord;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.Peer;
import dev.roomcast.core.UpgradeRecord;
import dev.roomcast.observability.internal.BoundedLabels;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Records OpenTelemetry spans for what connections and the hub do, through the OpenTelemetry API
 * only (the application supplies the SDK and its exporter):
 * <ul>
 *   <li>an {@code upgrade} span (kind SERVER) per handshake, continuing the request's W3C
 *       {@code traceparent}, with its outcome and rejection code; recorded when it is decided, with
 *       the handshake's own start and end times;</li>
 *   <li>an {@code event <type>} span (kind CONSUMER) per handled inbound event, child of the
 *       connection's upgrade span, or of the envelope's own {@code traceparent} when it carries one
 *       (then linked to the upgrade span). It is current while the handler runs, so the handler's own
 *       spans nest under it and log lines carry {@code traceId} and {@code spanId} in the MDC; its
 *       context is stamped on what the event broadcasts;</li>
 *   <li>a {@code broadcast} span (kind PRODUCER) with the recipient counts, child of the context the
 *       broadcast envelope carried. Broadcasts without one (presence, untraced publishers) are not
 *       recorded unless {@code recordUntracedBroadcasts} is set.</li>
 * </ul>
 * Thread-safe and non-blocking (span export is the SDK's business, normally batched); never throws.
 */
public final class TracingListener implements ConnectionListener, HubListener {
    private static final Logger log = LoggerFactory.getLogger(TracingListener.class);

    /** The instrumentation scope name of Roomcast's tracer. */
    public static final String INSTRUMENTATION_SCOPE = "dev.roomcast";
    /** MDC key of the active span's trace id. */
    public static final String MDC_TRACE_ID = "traceId";
    /** MDC key of the active span's id. */
    public static final String MDC_SPAN_ID = "spanId";

    static final AttributeKey<String> CONNECTION_ID = AttributeKey.stringKey("roomcast.connection.id");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("roomcast.outcome");
    static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("roomcast.error.code");
    static final AttributeKey<String> AUTH_FAILURE = AttributeKey.stringKey("roomcast.auth.failure");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("roomcast.event.type");
    static final AttributeKey<String> ROOM = AttributeKey.stringKey("roomcast.room");
    static final AttributeKey<Long> MESSAGE_SIZE = AttributeKey.longKey("messaging.message.body.size");
    static final AttributeKey<Long> RECIPIENTS = AttributeKey.longKey("roomcast.broadcast.recipients");
    static final AttributeKey<Long> ENQUEUED = AttributeKey.longKey("roomcast.broadcast.enqueued");
    static final AttributeKey<Long> DROPPED = AttributeKey.longKey("roomcast.broadcast.dropped");
    static final AttributeKey<Long> CLOSED = AttributeKey.longKey("roomcast.broadcast.closed");
    static final AttributeKey<Long> TIMED_OUT = AttributeKey.longKey("roomcast.broadcast.timed_out");
    static final AttributeKey<String> REJECTED = AttributeKey.stringKey("roomcast.broadcast.rejected");

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final BoundedLabels labels;
    private final boolean recordUntracedBroadcasts;
    /** Each open connection's upgrade span, parent of its work; removed when the connection closes. */
    private final ConcurrentHashMap<ConnectionId, SpanContext> upgrades = new ConcurrentHashMap<>();
    /** The event span being handled on this connection thread, between onEventStarted and onEventHandled. */
    private final ThreadLocal<ActiveEvent> active = new ThreadLocal<>();

    private record ActiveEvent(ConnectionId connection, Span span, Scope scope, String previousTraceId,
                               String previousSpanId) {
    }

    /** A listener that records broadcasts only when they carry a trace context. */
    public TracingListener(OpenTelemetry openTelemetry, EventRouter router) {
        this(openTelemetry, router, false);
    }

    /**
     * Creates the listener.
     *
     * @param router                   its types, with the built-in ones, name event spans; others are {@code event other}
     * @param recordUntracedBroadcasts whether a broadcast without a trace context starts a trace of its own
     */
    public TracingListener(OpenTelemetry openTelemetry, EventRouter router, boolean recordUntracedBroadcasts) {
        this.tracer = Objects.requireNonNull(openTelemetry, "openTelemetry").getTracer(INSTRUMENTATION_SCOPE);
        this.labels = new BoundedLabels(router, java.util.Set.of());
        this.recordUntracedBroadcasts = recordUntracedBroadcasts;
    }

    // ---- upgrade -------------------------------------------------------------------------------

    @Override
    public void onUpgradeAttempted(UpgradeRecord upgrade) {
        try {
            Span span = tracer.spanBuilder("upgrade")
                    .setParent(extract(upgrade.traceparent(), upgrade.tracestate()))
                    .setSpanKind(SpanKind.SERVER)
                    .setStartTimestamp(upgrade.start())
                    .startSpan();
            if (upgrade.accepted()) {
                ConnectionId id = upgrade.connectionId().orElseThrow();
                span.setAttribute(CONNECTION_ID, id.value());
                span.setAttribute(OUTCOME, "accepted");
                span.setAttribute(HTTP_STATUS, 101L);
                upgrades.put(id, span.getSpanContext());
            } else {
                ErrorCode code = upgrade.rejection().orElseThrow();
                span.setAttribute(OUTCOME, "rejected");
                span.setAttribute(ERROR_CODE, code.name());
                span.setAttribute(HTTP_STATUS, (long) code.httpStatus());
                upgrade.authFailure().ifPresent(reason -> span.setAttribute(AUTH_FAILURE, labels.authReason(reason)));
                if (code.httpStatus() >= 500) { // a client's mistake is not the server's error (HTTP semantic conventions)
                    span.setStatus(StatusCode.ERROR, code.name());
                }
            }
            span.end(upgrade.end());
        } catch (RuntimeException e) {
            log.warn("recording an upgrade span failed ({})", e.getClass().getSimpleName());
        }
    }

    @Override
    public void onClosed(Peer peer, int code, String reason, Duration lifetime) {
        upgrades.remove(peer.id());
    }

    // ---- events --------------------------------------------------------------------------------

    @Override
    public Optional<String> onEventStarted(Peer peer, Envelope envelope) {
        try {
            Span span = eventSpan(peer.id(), envelope.type(), envelope.room(), envelope.traceparent()).startSpan();
            Scope scope = span.makeCurrent();
            SpanContext context = span.getSpanContext();
            active.set(new ActiveEvent(peer.id(), span, scope, MDC.get(MDC_TRACE_ID), MDC.get(MDC_SPAN_ID)));
            if (!context.isValid()) {
                return Optional.empty();
            }
            MDC.put(MDC_TRACE_ID, context.getTraceId());
            MDC.put(MDC_SPAN_ID, context.getSpanId());
            return Optional.of(traceparent(context));
        } catch (RuntimeException e) {
            log.warn("starting an event span failed ({})", e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    @Override
    public void onEventHandled(Peer peer, EventRecord event) {
        try {
            ActiveEvent current = active.get();
            boolean live = current != null && current.connection().equals(peer.id());
            Span span;
            if (live) {
                active.remove();
                current.scope().close();
                restoreMdc(current);
                span = current.span();
            } else { // not started here (e.g. the listener was added mid-event): record it after the fact
                span = eventSpan(peer.id(), event.type(), event.room(), event.traceparent())
                        .setStartTimestamp(event.start()).startSpan();
            }
            span.setAttribute(MESSAGE_SIZE, event.bytes());
            span.setAttribute(OUTCOME, BoundedLabels.lower(event.outcome()));
            event.error().ifPresent(code -> span.setAttribute(ERROR_CODE, code.name()));
            if (event.outcome() == EventRecord.Outcome.FAILED) {
                span.setStatus(StatusCode.ERROR, "handler failed");
            }
            if (live) {
                span.end(); // started live, so it ends on the same (the SDK's) clock
            } else {
                span.end(event.end());
            }
        } catch (RuntimeException e) {
            log.warn("ending an event span failed ({})", e.getClass().getSimpleName());
        }
    }

    private SpanBuilder eventSpan(ConnectionId connection, String type, Optional<String> room,
                                  Optional<String> traceparent) {
        SpanContext upgrade = upgrades.get(connection);
        SpanBuilder builder = tracer.spanBuilder("event " + labels.eventType(type)).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(CONNECTION_ID, connection.value())
                .setAttribute(EVENT_TYPE, type);
        room.ifPresent(r -> builder.setAttribute(ROOM, r));
        Context fromEnvelope = extract(traceparent, Optional.empty());
        if (Span.fromContext(fromEnvelope).getSpanContext().isValid()) {
            builder.setParent(fromEnvelope);
            if (upgrade != null) {
                builder.addLink(upgrade);
            }
        } else if (upgrade != null) {
            builder.setParent(Context.root().with(Span.wrap(upgrade)));
        } else {
            builder.setNoParent();
        }
        return builder;
    }

    private static void restoreMdc(ActiveEvent event) {
        restore(MDC_TRACE_ID, event.previousTraceId());
        restore(MDC_SPAN_ID, event.previousSpanId());
    }

    private static void restore(String key, String previous) {
        if (previous == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, previous);
        }
    }

    // ---- broadcasts ----------------------------------------------------------------------------

    @Override
    public void onBroadcastCompleted(BroadcastRecord broadcast) {
        try {
            Context parent = extract(broadcast.traceparent(), Optional.empty());
            boolean traced = Span.fromContext(parent).getSpanContext().isValid();
            if (!traced && !recordUntracedBroadcasts) {
                return;
            }
            SpanBuilder builder = tracer.spanBuilder("broadcast").setSpanKind(SpanKind.PRODUCER)
                    .setStartTimestamp(broadcast.start())
                    .setAttribute(EVENT_TYPE, broadcast.type());
            if (traced) {
                builder.setParent(parent);
            } else {
                builder.setNoParent();
            }
            broadcast.room().ifPresent(r -> builder.setAttribute(ROOM, r.value()));
            Span span = builder.startSpan();
            BroadcastResult result = broadcast.result();
            span.setAttribute(RECIPIENTS, result.attempted());
            span.setAttribute(ENQUEUED, result.enqueued());
            span.setAttribute(DROPPED, result.dropped());
            span.setAttribute(CLOSED, result.closed());
            span.setAttribute(TIMED_OUT, result.timedOut());
            result.rejected().ifPresent(why -> {
                span.setAttribute(REJECTED, BoundedLabels.lower(why));
                span.setStatus(StatusCode.ERROR, "broadcast rejected");
            });
            span.end(broadcast.end());
        } catch (RuntimeException e) {
            log.warn("recording a broadcast span failed ({})", e.getClass().getSimpleName());
        }
    }

    // ---- W3C trace context ---------------------------------------------------------------------

    private static Context extract(Optional<String> traceparent, Optional<String> tracestate) {
        if (traceparent.isEmpty()) {
            return Context.root();
        }
        Map<String, String> carrier = tracestate.isPresent()
                ? Map.of("traceparent", traceparent.get(), "tracestate", tracestate.get())
                : Map.of("traceparent", traceparent.get());
        return W3C.extract(Context.root(), carrier, MAP_GETTER);
    }

    /** The W3C {@code traceparent} of {@code context}. */
    static String traceparent(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** The connections whose upgrade span is held (for tests: it must not outlive the connection). */
    int heldUpgradeSpans() {
        return upgrades.size();
    }
}
