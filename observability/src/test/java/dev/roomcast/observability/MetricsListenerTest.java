package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.BroadcastRecord;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRecord;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HubStats;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.UpgradeRecord;
import dev.roomcast.core.WriteRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meters {@link MetricsListener} records, driven hook by hook, and the bounds on their labels. */
class MetricsListenerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final StubPeer PEER = StubPeer.of("c-1");
    private static final EventRouter ROUTER = EventRouter.builder().on("typing", Object.class, (ctx, p) -> { }).build();

    private final PrometheusMetrics metrics = PrometheusMetrics.create();

    @AfterEach
    void close() {
        metrics.close();
    }

    private MetricsListener listener(MetricsOptions options) {
        return new MetricsListener(metrics.registry(), ROUTER, options);
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(metrics.registry().scrape());
    }

    private static EventRecord event(String type, EventRecord.Outcome outcome) {
        return new EventRecord(type, Optional.of("lobby"), 42, T0, T0.plusMillis(3), outcome, Optional.empty(), Optional.empty());
    }

    /** A hub with one room of 3 and one of 1200. */
    private static final HubStats STATS = new HubStats() {
        @Override
        public int activeConnectionCount() {
            return 1203;
        }

        @Override
        public int registrationCount() {
            return 1203;
        }

        @Override
        public int activeRoomCount() {
            return 2;
        }

        @Override
        public int queuedBroadcastJobs() {
            return 4;
        }

        @Override
        public boolean isAcceptingConnections() {
            return true;
        }

        @Override
        public IntStream roomMemberCounts() {
            return IntStream.of(3, 1200);
        }
    };

    @Test
    void everyMeterOfTheCatalogAppearsOnceEveryHookHasRun() {
        MetricsListener l = listener(MetricsOptions.defaults());
        metrics.bindHubStats(STATS);
        l.onUpgradeAttempted(UpgradeRecord.accepted(ConnectionId.of("c-1"), Optional.empty(), Optional.empty(), T0, T0));
        l.onUpgradeAttempted(UpgradeRecord.rejected(ErrorCode.INVALID_TOKEN, Optional.of("expired"), Optional.empty(),
                Optional.empty(), T0, T0.plusMillis(1)));
        l.onRoomAccessDenied(RoomName.of("vip"), ErrorCode.RATE_LIMITED);
        l.onEventHandled(PEER, event("publish", EventRecord.Outcome.HANDLED));
        l.onDecodeFailed(PEER, ErrorCode.MISSING_TYPE, 10);
        l.onFramesWritten(PEER, new WriteRecord(1, 3, 300, 5));
        l.onSendRefused(PEER, SendResult.DROPPED);
        l.onPong(PEER, Duration.ofMillis(2));
        l.onHeartbeatTimeout(PEER, Duration.ofSeconds(31));
        l.onJoined(PEER, RoomName.of("lobby"));
        l.onLeft(PEER, RoomName.of("lobby"));
        l.onJoinRefused(PEER, RoomName.of("lobby"), ErrorCode.ROOM_FULL);
        l.onBroadcastCompleted(new BroadcastRecord(Optional.of(RoomName.of("lobby")), "message",
                new BroadcastResult(3, 2, 1, 0, 0, Optional.empty()), T0, T0.plusMillis(1), Optional.empty()));
        l.onBroadcastCompleted(new BroadcastRecord(Optional.empty(), "message",
                BroadcastResult.rejected(BroadcastResult.Rejection.JOB_QUEUE_FULL), T0, T0, Optional.empty()));
        l.onClosed(PEER, 1000, "bye", Duration.ofSeconds(5));

        PrometheusText m = scrape();

        for (RoomcastMeter meter : RoomcastMeter.values()) {
            String sample = switch (meter.kind()) {
                case COUNTER, GAUGE -> meter.prometheusName();
                case TIMER, SUMMARY -> meter.prometheusName() + "_count";
            };
            assertThat(m.has(sample)).as("%s (%s) in the scrape", meter, sample).isTrue();
        }
        assertThat(m.value("roomcast_auth_failures_total", "reason", "expired")).isEqualTo(1);
        assertThat(m.value("roomcast_room_access_denied_total", "code", "RATE_LIMITED")).isEqualTo(1);
        assertThat(m.value("roomcast_messages_total", "direction", "outbound")).isEqualTo(3);
        assertThat(m.value("roomcast_message_size_bytes_sum", "direction", "outbound")).isEqualTo(300);
        assertThat(m.value("roomcast_messages_total", "direction", "inbound")).isEqualTo(2);
        assertThat(m.value("roomcast_send_queue_depth_max")).isEqualTo(5);
        assertThat(m.value("roomcast_broadcast_rejected_total", "reason", "job_queue_full")).isEqualTo(1);
        assertThat(m.value("roomcast_broadcast_recipients_sum", "scope", "room")).isEqualTo(3);
        assertThat(m.value("roomcast_broadcast_jobs_queued")).isEqualTo(4);
        assertThat(m.value("roomcast_rooms_by_members", "members", "2-10")).isEqualTo(1);
        assertThat(m.value("roomcast_rooms_by_members", "members", "1001+")).isEqualTo(1);
        assertThat(m.value("roomcast_room_members_max")).isEqualTo(1200);
        assertThat(m.value("roomcast_heartbeat_timeouts_total")).isEqualTo(1);
    }

    @Test
    void tokenCacheHitsAndMissesMoveTheirCountersOnAScrape() {
        MetricsListener l = listener(MetricsOptions.defaults());
        PrometheusText before = scrape();
        assertThat(before.value("roomcast_token_cache_hits_total")).isZero();
        assertThat(before.value("roomcast_token_cache_misses_total")).isZero();

        l.onTokenCacheMiss();
        l.onTokenCacheHit();
        l.onTokenCacheHit();

        PrometheusText after = scrape();
        assertThat(after.value("roomcast_token_cache_hits_total")).isEqualTo(2);
        assertThat(after.value("roomcast_token_cache_misses_total")).isEqualTo(1);
    }

    @Test
    void eventTypesOutsideTheRouterAreLabelledOther() {
        MetricsListener l = listener(MetricsOptions.defaults());
        l.onEventHandled(PEER, event("join", EventRecord.Outcome.HANDLED));
        l.onEventHandled(PEER, event("typing", EventRecord.Outcome.REJECTED));
        for (int i = 0; i < 50; i++) {
            l.onEventHandled(PEER, event("made-up-" + i, EventRecord.Outcome.REJECTED));
        }

        PrometheusText m = scrape();

        assertThat(m.value("roomcast_event_duration_seconds_count", "type", "join", "outcome", "handled")).isEqualTo(1);
        assertThat(m.value("roomcast_event_duration_seconds_count", "type", "typing", "outcome", "rejected")).isEqualTo(1);
        assertThat(m.value("roomcast_event_duration_seconds_count", "type", "other", "outcome", "rejected")).isEqualTo(50);
        assertThat(m.samples("roomcast_event_duration_seconds_count")).hasSize(3);
    }

    @Test
    void closeCodesOutsideTheRfcRegistryAreLabelledOther() {
        MetricsListener l = listener(MetricsOptions.defaults());
        l.onClosed(PEER, 1013, "slow consumer", Duration.ofSeconds(1));
        for (int code = 4000; code < 4020; code++) {
            l.onClosed(PEER, code, "app", Duration.ofSeconds(1));
        }

        PrometheusText m = scrape();

        assertThat(m.value("roomcast_connections_closed_total", "code", "1013")).isEqualTo(1);
        assertThat(m.value("roomcast_connections_closed_total", "code", "other")).isEqualTo(20);
        assertThat(m.samples("roomcast_connections_closed_total")).hasSize(2);
    }

    @Test
    void authFailureReasonsAreShortWordsAndAtMostSixteen() {
        MetricsListener l = listener(MetricsOptions.defaults());
        for (int i = 0; i < 40; i++) {
            l.onUpgradeAttempted(UpgradeRecord.rejected(ErrorCode.INVALID_TOKEN, Optional.of("reason_" + i),
                    Optional.empty(), Optional.empty(), T0, T0));
        }
        l.onUpgradeAttempted(UpgradeRecord.rejected(ErrorCode.INVALID_TOKEN, Optional.of("eyJhbGciOi.secret token"),
                Optional.empty(), Optional.empty(), T0, T0));

        PrometheusText m = scrape();

        assertThat(m.samples("roomcast_auth_failures_total")).hasSize(17);
        assertThat(m.value("roomcast_auth_failures_total", "reason", "reason_0")).isEqualTo(1);
        assertThat(m.value("roomcast_auth_failures_total", "reason", "other")).isEqualTo(40 - 16 + 1);
        assertThat(metrics.registry().scrape()).doesNotContain("secret token");
    }

    @Test
    void roomsAreLabelledOnlyWhenTheApplicationListsThem() {
        MetricsListener plain = listener(MetricsOptions.defaults());
        plain.onJoined(PEER, RoomName.of("lobby"));
        assertThat(scrape().samples("roomcast_room_joins_total")).singleElement()
                .satisfies(s -> assertThat(s.labels()).doesNotContainKey("room"));

        PrometheusMetrics labelled = PrometheusMetrics.create();
        try {
            MetricsListener l = new MetricsListener(labelled.registry(), ROUTER,
                    MetricsOptions.withRoomLabels(Set.of(RoomName.of("lobby"))));
            l.onJoined(PEER, RoomName.of("lobby"));
            l.onJoined(PEER, RoomName.of("secret-room-of-bob"));
            l.onBroadcastCompleted(new BroadcastRecord(Optional.empty(), "message",
                    new BroadcastResult(1, 1, 0, 0, 0, Optional.empty()), T0, T0, Optional.empty()));

            PrometheusText m = PrometheusText.parse(labelled.registry().scrape());

            assertThat(m.value("roomcast_room_joins_total", "room", "lobby")).isEqualTo(1);
            assertThat(m.value("roomcast_room_joins_total", "room", "other")).isEqualTo(1);
            assertThat(m.value("roomcast_broadcast_recipients_count", "scope", "all", "room", "none")).isEqualTo(1);
            assertThat(labelled.registry().scrape()).doesNotContain("secret-room-of-bob");
        } finally {
            labelled.close();
        }
    }

    @Test
    void eachRefusedSendIsCountedUnderItsSendBehaviour() {
        MetricsListener l = listener(MetricsOptions.defaults());
        l.onSendRefused(PEER, SendResult.DROPPED);
        l.onSendRefused(PEER, SendResult.DROPPED);
        l.onSendRefused(PEER, SendResult.TIMED_OUT);
        l.onSendRefused(PEER, SendResult.CLOSED_SLOW);
        l.onSendRefused(PEER, SendResult.NOT_OPEN);

        PrometheusText m = scrape();

        assertThat(m.value("roomcast_send_refused_total", "behavior", "drop")).isEqualTo(2);
        assertThat(m.value("roomcast_send_refused_total", "behavior", "block")).isEqualTo(1);
        assertThat(m.value("roomcast_send_refused_total", "behavior", "close")).isEqualTo(1);
        assertThat(m.samples("roomcast_send_refused_total")).hasSize(3);
    }
}
