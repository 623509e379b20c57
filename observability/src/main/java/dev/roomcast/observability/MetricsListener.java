package dev.roomcast.observability;

import dev.roomcast.core.BroadcastRecord;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRecord;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.TokenCacheListener;
import dev.roomcast.core.UpgradeRecord;
import dev.roomcast.core.WriteRecord;
import dev.roomcast.observability.internal.BoundedLabels;
import dev.roomcast.observability.internal.CachedMeterProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what connections, the hub and the token authenticator's cache do as Micrometer meters
 * ({@link RoomcastMeter} lists them): one listener for the three ports, so a service adds it to each
 * listener set. Every callback only
 * updates counters and histograms (lock-free, no I/O), so it is safe on I/O threads; it never throws,
 * and label values are bounded (see {@link RoomcastMeter}). The gauges of the hub's current load are
 * {@link HubGauges}.
 */
public final class MetricsListener implements ConnectionListener, HubListener, TokenCacheListener {
    private static final Logger log = LoggerFactory.getLogger(MetricsListener.class);

    private static final Duration[] FAST_DURATIONS = durations(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500,
            5_000, 10_000);
    private static final Duration[] LIFETIMES = {Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1),
            Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(12),
            Duration.ofHours(24)};
    private static final double[] SIZES = {64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576};
    private static final double[] RECIPIENTS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000};
    private static final double[] DEPTHS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024};

    private final BoundedLabels labels;

    private final Meter.MeterProvider<Counter> opened;
    private final Meter.MeterProvider<Counter> closed;
    private final Meter.MeterProvider<Timer> lifetime;
    private final Meter.MeterProvider<Timer> upgradeDuration;
    private final Counter inbound;
    private final Counter outbound;
    private final DistributionSummary inboundSize;
    private final DistributionSummary outboundSize;
    private final Meter.MeterProvider<Timer> eventDuration;
    private final Meter.MeterProvider<Counter> decodeErrors;
    private final Meter.MeterProvider<Timer> broadcastDuration;
    private final Meter.MeterProvider<DistributionSummary> broadcastRecipients;
    private final Meter.MeterProvider<Counter> broadcastRejected;
    private final Counter relayFailed;
    private final Meter.MeterProvider<Counter> sendRefused;
    private final DistributionSummary queueDepth;
    private final Meter.MeterProvider<Counter> joins;
    private final Meter.MeterProvider<Counter> leaves;
    private final Meter.MeterProvider<Counter> joinRefused;
    private final Timer pongRoundTrip;
    private final Counter heartbeatTimeouts;
    private final Meter.MeterProvider<Counter> authFailures;
    private final Meter.MeterProvider<Counter> roomDenied;
    private final Counter tokenCacheHits;
    private final Counter tokenCacheMisses;

    /**
     * Registers the meters in {@code registry}.
     *
     * @param router  its registered event types, with the built-in ones, are the {@code type} label values kept
     * @param options which rooms, if any, may appear as labels
     */
    public MetricsListener(MeterRegistry registry, EventRouter router, MetricsOptions options) {
        Objects.requireNonNull(registry, "registry");
        this.labels = new BoundedLabels(router, options.roomLabels());
        opened = counter(registry, RoomcastMeter.CONNECTIONS_OPENED);
        closed = counter(registry, RoomcastMeter.CONNECTIONS_CLOSED);
        lifetime = timer(registry, RoomcastMeter.CONNECTION_DURATION, LIFETIMES);
        upgradeDuration = timer(registry, RoomcastMeter.UPGRADE_DURATION, FAST_DURATIONS);
        Meter.MeterProvider<Counter> messages = counter(registry, RoomcastMeter.MESSAGES);
        inbound = messages.withTags("direction", "inbound", "frame", "text");
        outbound = messages.withTags("direction", "outbound", "frame", "text");
        Meter.MeterProvider<DistributionSummary> size = summary(registry, RoomcastMeter.MESSAGE_SIZE, SIZES);
        inboundSize = size.withTags("direction", "inbound", "frame", "text");
        outboundSize = size.withTags("direction", "outbound", "frame", "text");
        eventDuration = timer(registry, RoomcastMeter.EVENT_DURATION, FAST_DURATIONS);
        decodeErrors = counter(registry, RoomcastMeter.DECODE_ERRORS);
        broadcastDuration = timer(registry, RoomcastMeter.BROADCAST_DURATION, FAST_DURATIONS);
        broadcastRecipients = summary(registry, RoomcastMeter.BROADCAST_RECIPIENTS, RECIPIENTS);
        broadcastRejected = counter(registry, RoomcastMeter.BROADCAST_REJECTED);
        relayFailed = counter(registry, RoomcastMeter.BROADCAST_RELAY_FAILED).withTags();
        sendRefused = counter(registry, RoomcastMeter.SEND_REFUSED);
        queueDepth = summary(registry, RoomcastMeter.SEND_QUEUE_DEPTH, DEPTHS).withTags();
        joins = counter(registry, RoomcastMeter.ROOM_JOINS);
        leaves = counter(registry, RoomcastMeter.ROOM_LEAVES);
        joinRefused = counter(registry, RoomcastMeter.ROOM_JOIN_REFUSED);
        pongRoundTrip = timer(registry, RoomcastMeter.HEARTBEAT_RTT, FAST_DURATIONS).withTags();
        heartbeatTimeouts = counter(registry, RoomcastMeter.HEARTBEAT_TIMEOUTS).withTags();
        authFailures = counter(registry, RoomcastMeter.AUTH_FAILURES);
        roomDenied = counter(registry, RoomcastMeter.ROOM_ACCESS_DENIED);
        // Registered now, so a dashboard shows 0 rather than nothing (also when no cache reports).
        tokenCacheHits = counter(registry, RoomcastMeter.TOKEN_CACHE_HITS).withTags();
        tokenCacheMisses = counter(registry, RoomcastMeter.TOKEN_CACHE_MISSES).withTags();
        if (!labels.roomLabelsEnabled()) {
            // Present from the start, so a dashboard shows 0 rather than nothing.
            joins.withTags();
            leaves.withTags();
        }
    }

    // ---- connections ---------------------------------------------------------------------------

    @Override
    public void onUpgradeAttempted(UpgradeRecord upgrade) {
        safely(() -> {
            String outcome = upgrade.rejection().map(ErrorCode::name).orElse("accepted");
            opened.withTags("outcome", outcome).increment();
            upgradeDuration.withTags("outcome", upgrade.accepted() ? "accepted" : "rejected").record(upgrade.duration());
            upgrade.rejection().filter(c -> c == ErrorCode.TOKEN_REQUIRED || c == ErrorCode.INVALID_TOKEN).ifPresent(c ->
                    authFailures.withTags("reason", labels.authReason(upgrade.authFailure()
                            .orElse(c == ErrorCode.TOKEN_REQUIRED ? "missing" : "invalid"))).increment());
        });
    }

    @Override
    public void onRoomAccessDenied(RoomName room, ErrorCode code) {
        safely(() -> roomDenied.withTags("code", code.name()).increment());
    }

    @Override
    public void onClosed(Peer peer, int code, String reason, Duration lifetime) {
        safely(() -> {
            String label = BoundedLabels.closeCode(code);
            closed.withTags("code", label).increment();
            this.lifetime.withTags("code", label).record(lifetime);
        });
    }

    // ---- messages ------------------------------------------------------------------------------

    @Override
    public void onEventHandled(Peer peer, EventRecord event) {
        safely(() -> {
            inbound.increment();
            inboundSize.record(event.bytes());
            eventDuration.withTags("type", labels.eventType(event.type()), "outcome", BoundedLabels.lower(event.outcome()))
                    .record(event.duration());
        });
    }

    @Override
    public void onDecodeFailed(Peer peer, ErrorCode code, long bytes) {
        safely(() -> {
            inbound.increment();
            inboundSize.record(bytes);
            decodeErrors.withTags("code", code.name()).increment();
        });
    }

    @Override
    public void onFramesWritten(Peer peer, WriteRecord write) {
        safely(() -> {
            outbound.increment(write.envelopes());
            outboundSize.record(write.bytes());
            queueDepth.record(write.queueDepth());
        });
    }

    @Override
    public void onSendRefused(Peer peer, SendResult result) {
        safely(() -> {
            String behavior = switch (result) {
                case DROPPED -> "drop";
                case TIMED_OUT -> "block";
                case CLOSED_SLOW -> "close";
                case ENQUEUED, NOT_OPEN -> null;
            };
            if (behavior != null) {
                sendRefused.withTags("behavior", behavior).increment();
            }
        });
    }

    // ---- heartbeats ----------------------------------------------------------------------------

    @Override
    public void onPong(Peer peer, Duration roundTrip) {
        safely(() -> pongRoundTrip.record(roundTrip));
    }

    @Override
    public void onHeartbeatTimeout(Peer peer, Duration silence) {
        safely(heartbeatTimeouts::increment);
    }

    // ---- hub -----------------------------------------------------------------------------------

    @Override
    public void onJoined(Peer peer, RoomName room) {
        safely(() -> roomTagged(joins, Optional.of(room)).increment());
    }

    @Override
    public void onLeft(Peer peer, RoomName room) {
        safely(() -> roomTagged(leaves, Optional.of(room)).increment());
    }

    @Override
    public void onJoinRefused(Peer peer, RoomName room, ErrorCode code) {
        safely(() -> joinRefused.withTags("code", code.name()).increment());
    }

    @Override
    public void onBroadcastCompleted(BroadcastRecord broadcast) {
        safely(() -> {
            if (broadcast.result().rejected().isPresent()) {
                broadcastRejected.withTags("reason", BoundedLabels.lower(broadcast.result().rejected().get())).increment();
                return;
            }
            if (broadcast.result().relayFailed()) {
                relayFailed.increment();
            }
            String scope = broadcast.room().isPresent() ? "room" : "all";
            roomTagged(broadcastDuration, broadcast.room(), "scope", scope).record(broadcast.duration());
            roomTagged(broadcastRecipients, broadcast.room(), "scope", scope).record(broadcast.result().attempted());
        });
    }

    // ---- token cache ---------------------------------------------------------------------------

    @Override
    public void onTokenCacheHit() {
        safely(tokenCacheHits::increment);
    }

    @Override
    public void onTokenCacheMiss() {
        safely(tokenCacheMisses::increment);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The meter with {@code tags}, plus a {@code room} tag when the application opted in to room labels. */
    private <M extends Meter> M roomTagged(Meter.MeterProvider<M> provider, Optional<RoomName> room, String... tags) {
        if (!labels.roomLabelsEnabled()) {
            return provider.withTags(tags);
        }
        String[] all = java.util.Arrays.copyOf(tags, tags.length + 2);
        all[tags.length] = "room";
        all[tags.length + 1] = labels.room(room.map(RoomName::value).orElse(null));
        return provider.withTags(all);
    }

    private static Meter.MeterProvider<Counter> counter(MeterRegistry registry, RoomcastMeter meter) {
        return new CachedMeterProvider<>(Counter.builder(meter.meterName()).description(meter.help()).withRegistry(registry));
    }

    private static Meter.MeterProvider<Timer> timer(MeterRegistry registry, RoomcastMeter meter, Duration[] buckets) {
        return new CachedMeterProvider<>(Timer.builder(meter.meterName()).description(meter.help())
                .serviceLevelObjectives(buckets).withRegistry(registry));
    }

    private static Meter.MeterProvider<DistributionSummary> summary(MeterRegistry registry, RoomcastMeter meter,
                                                                  double[] buckets) {
        DistributionSummary.Builder b = DistributionSummary.builder(meter.meterName()).description(meter.help())
                .serviceLevelObjectives(buckets);
        if (!meter.baseUnit().isEmpty()) {
            b.baseUnit(meter.baseUnit());
        }
        return new CachedMeterProvider<>(b.withRegistry(registry));
    }

    private static Duration[] durations(double... millis) {
        Duration[] out = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            out[i] = Duration.ofNanos((long) (millis[i] * 1_000_000));
        }
        return out;
    }

    /** Telemetry never breaks the caller: a failure here is logged (without detail from clients) and dropped. */
    private static void safely(Runnable record) {
        try {
            record.run();
        } catch (RuntimeException e) {
            log.warn("recording a metric failed ({})", e.getClass().getSimpleName());
        }
    }
}
