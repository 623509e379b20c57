package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scrapes {@code /metrics} over HTTP after a scripted session on real sockets (two refused upgrades,
 * two members who join and publish, a malformed message, a slow consumer whose frames are dropped,
 * then every connection closes) and checks the exact counts, parsing the Prometheus text format.
 */
@Timeout(60)
class MetricsScrapeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoomName SLOW_ROOM = RoomName.of("slow");
    private static final String PAD = "x".repeat(32 * 1024);
    private static final int MAX_FEED = 2_000;

    private final PrometheusMetrics metrics = PrometheusMetrics.create();
    private ObservedServer server;
    private RawWebSocket slow;

    @AfterEach
    void stop() throws IOException {
        if (slow != null) {
            slow.close();
        }
        if (server != null) {
            server.close();
        }
        metrics.close();
    }

    private void start() {
        EventRouter router = EventRouter.empty();
        server = ObservedServer.start(RoomcastConfig.builder()
                        .sendQueueSize(8).sendBehavior(SendBehavior.DROP).presenceEnabled(false)
                        .pingPeriod(Duration.ofMillis(200)).workerCount(2).jobQueueSize(64).build(),
                router, List.of(new MetricsListener(metrics.registry(), router, MetricsOptions.defaults())),
                hub -> List.of(metrics.bindHubStats(hub).route()));
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> response = server.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(response.body());
    }

    private int refusedUpgrade(Map<String, String> headers) throws IOException {
        try (RawWebSocket raw = RawWebSocket.open(server.port())) {
            return raw.upgrade("/ws", headers).status();
        }
    }

    /** Feeds the slow member's room until its full queue drops a frame; returns the total dropped and the broadcasts made. */
    private int[] feedUntilDropped() throws Exception {
        int dropped = 0;
        int broadcasts = 0;
        for (int n = 0; n < MAX_FEED && dropped == 0; n++) {
            ObjectNode payload = JSON.createObjectNode().put("n", n).put("pad", PAD);
            BroadcastResult r = server.hub().broadcastRoom(SLOW_ROOM, Envelope.toRoom("message", SLOW_ROOM, payload),
                    Optional.empty()).get(5, TimeUnit.SECONDS);
            broadcasts++;
            dropped += r.dropped();
        }
        assertThat(dropped).as("the slow member dropped within %s broadcasts", MAX_FEED).isPositive();
        return new int[] {dropped, broadcasts};
    }

    @Test
    void aScriptedSessionShowsExactCountsAndEveryHistogram() throws Exception {
        start();
        // Two refused upgrades: no token, and a token the authenticator rejects.
        assertThat(refusedUpgrade(Map.of())).isEqualTo(401);
        assertThat(refusedUpgrade(Map.of("Authorization", "Bearer forged"))).isEqualTo(401);

        // Two members: one joins at the upgrade, one with a join event; one publishes.
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "");
        bob.send("{\"type\":\"join\",\"room\":\"lobby\",\"id\":\"j1\"}").awaitType("joined");
        bob.send("{\"type\":\"publish\",\"room\":\"lobby\",\"payload\":{\"text\":\"hi\"}}");
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("hi");
        bob.awaitType("message");
        alice.send("not json").awaitType("error");

        // A slow consumer: a tiny receive window, and it never reads after its joined event.
        slow = RawWebSocket.open(server.port(), 4096);
        assertThat(slow.upgrade("/ws?room=slow", Map.of("Authorization", "Bearer valid:slow")).status()).isEqualTo(101);
        assertThat(JSON.readTree(slow.readUntil(RawWebSocket.OP_TEXT).text()).path("type").asText()).isEqualTo("joined");
        int[] fed = feedUntilDropped();

        // Heartbeats: the JDK clients answer pings by themselves.
        await().atMost(Duration.ofSeconds(5)).until(() -> scrape().valueOrZero("roomcast_heartbeat_rtt_seconds_count") > 0);

        // Everyone leaves: two clean closes, and the slow member's TCP connection just ends.
        alice.close();
        bob.close();
        slow.close();
        slow = null;
        await().atMost(Duration.ofSeconds(5)).until(() -> scrape().sum("roomcast_connections_closed_total") == 3);

        PrometheusText m = scrape();
        // connections
        assertThat(m.value("roomcast_connections_opened_total", "outcome", "accepted")).isEqualTo(3);
        assertThat(m.value("roomcast_connections_opened_total", "outcome", "TOKEN_REQUIRED")).isEqualTo(1);
        assertThat(m.value("roomcast_connections_opened_total", "outcome", "INVALID_TOKEN")).isEqualTo(1);
        assertThat(m.value("roomcast_connections_closed_total", "code", "1000")).isEqualTo(2);
        assertThat(m.value("roomcast_connections_closed_total", "code", "1006")).isEqualTo(1);
        assertThat(m.value("roomcast_connection_duration_seconds_count", "code", "1000")).isEqualTo(2);
        assertThat(m.value("roomcast_connections_active")).isZero();
        assertThat(m.value("roomcast_upgrade_duration_seconds_count", "outcome", "accepted")).isEqualTo(3);
        assertThat(m.value("roomcast_upgrade_duration_seconds_count", "outcome", "rejected")).isEqualTo(2);
        // security
        assertThat(m.value("roomcast_auth_failures_total", "reason", "missing")).isEqualTo(1);
        assertThat(m.value("roomcast_auth_failures_total", "reason", "bad_signature")).isEqualTo(1);
        // messages: join, publish and the malformed text came in
        assertThat(m.value("roomcast_messages_total", "direction", "inbound", "frame", "text")).isEqualTo(3);
        assertThat(m.value("roomcast_message_size_bytes_count", "direction", "inbound")).isEqualTo(3);
        assertThat(m.value("roomcast_event_duration_seconds_count", "type", "join", "outcome", "handled")).isEqualTo(1);
        assertThat(m.value("roomcast_event_duration_seconds_count", "type", "publish", "outcome", "handled")).isEqualTo(1);
        assertThat(m.value("roomcast_decode_errors_total", "code", "MALFORMED_MESSAGE")).isEqualTo(1);
        // out: alice joined+message+error, bob joined+message, slow at least its joined event
        assertThat(m.value("roomcast_messages_total", "direction", "outbound", "frame", "text")).isGreaterThanOrEqualTo(6);
        // fan-out: the publish and every feed broadcast; the drops the hub reported, no more
        assertThat(m.value("roomcast_broadcast_recipients_count", "scope", "room")).isEqualTo(1 + fed[1]);
        assertThat(m.value("roomcast_broadcast_duration_seconds_count", "scope", "room")).isEqualTo(1 + fed[1]);
        assertThat(m.value("roomcast_send_refused_total", "behavior", "drop")).isEqualTo(fed[0]);
        assertThat(m.find("roomcast_send_refused_total", "behavior", "close")).isEmpty();
        assertThat(m.value("roomcast_send_queue_depth_max")).isGreaterThanOrEqualTo(1);
        assertThat(m.value("roomcast_broadcast_jobs_queued")).isZero();
        // rooms
        assertThat(m.value("roomcast_room_joins_total")).isEqualTo(3);
        assertThat(m.value("roomcast_room_leaves_total")).isEqualTo(3);
        assertThat(m.value("roomcast_rooms_active")).isZero();
        assertThat(m.value("roomcast_room_registrations")).isZero();
        assertThat(m.value("roomcast_heartbeat_timeouts_total")).isZero();
        // every histogram, with its buckets
        for (RoomcastMeter meter : RoomcastMeter.values()) {
            if (meter.kind() == RoomcastMeter.Kind.TIMER || meter.kind() == RoomcastMeter.Kind.SUMMARY) {
                String name = meter.prometheusName();
                assertThat(m.type(name)).as("TYPE of %s", name).contains("histogram");
                assertThat(m.has(name + "_bucket")).as("buckets of %s", name).isTrue();
                assertThat(m.samples(name + "_bucket")).as("+Inf bucket of %s", name)
                        .anyMatch(s -> "+Inf".equals(s.labels().get("le")));
            }
        }
        // the JVM and the process
        assertThat(m.has("jvm_memory_used_bytes")).isTrue();
        assertThat(m.has("jvm_threads_live_threads")).isTrue();
        assertThat(m.has("process_uptime_seconds")).isTrue();
        assertThat(m.has("process_cpu_usage")).isTrue();
    }

    @Test
    void theHubsLoadIsReadAtScrapeTime() throws Exception {
        start();
        TestClient a = server.connect("a", "?room=one,two");
        a.awaitType("joined");
        a.awaitType("joined");
        TestClient b = server.connect("b", "?room=two");
        b.awaitType("joined");

        PrometheusText m = scrape();

        assertThat(m.value("roomcast_connections_active")).isEqualTo(2);
        assertThat(m.value("roomcast_rooms_active")).isEqualTo(2);
        assertThat(m.value("roomcast_room_registrations")).isEqualTo(3);
        assertThat(m.value("roomcast_rooms_by_members", "members", "1")).isEqualTo(1);
        assertThat(m.value("roomcast_rooms_by_members", "members", "2-10")).isEqualTo(1);
        assertThat(m.value("roomcast_rooms_by_members", "members", "1001+")).isZero();
        assertThat(m.value("roomcast_room_members_max")).isEqualTo(2);
    }
}
