package dev.roomcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.client.Disconnect;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.testkit.RecordingClient;
import dev.roomcast.testkit.RoomcastTestServer;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The live dashboard started as its main starts it (its environment, its Dagger component) by the
 * test kit, on a real server (127.0.0.1, port 0), watched by the kit's recording Java viewers, raw JDK
 * WebSocket viewers where a test reads ticks within a time window and, for the slow viewer, a raw
 * socket with a tiny receive window that stops reading. Counts are asserted within generous bounds and every wait is bounded.
 */
@Timeout(90)
class DashboardServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SIX = DashboardSettings.DEFAULT_SERIES.stream().map(Series::name).toList();
    private static final Pattern DROPS = Pattern.compile("^roomcast_send_refused_total\\{behavior=\"drop\"[^}]*} ([0-9.eE+]+)$",
            Pattern.MULTILINE);

    private final HttpClient http = HttpClient.newHttpClient();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final List<TestClient> viewers = new ArrayList<>();
    private RoomcastTestServer service;
    /** The running dashboard of {@link #service} (no test restarts it). */
    private DashboardServer dashboard;
    private RawWebSocket slow;

    @AfterEach
    void stop() throws IOException {
        viewers.forEach(TestClient::close);
        if (slow != null) {
            slow.close();
        }
        if (service != null) {
            service.close(); // the recording viewers, then the feed and the server
        }
    }

    /** Starts the dashboard as its main does, from {@code env}, on a free port, through the test kit. */
    private DashboardServer start(Map<String, String> env) {
        // snippet:testing-start-service-with-feed
        service = RoomcastTestServer.startService(port -> {
            // Alerts at 50 %: none arise by themselves during a test, so only the tests' own are seen.
            Map<String, String> all = new HashMap<>(Map.of("ROOMCAST_ALERT_PERCENT", "50"));
            all.putAll(env);
            all.put("ROOMCAST_PORT", Integer.toString(port));
            return DashboardServer.start(new ConfigSources(all, Map.of()), new PrintStream(printed, true, StandardCharsets.UTF_8));
        }, DashboardServer::server, DashboardServer::stop);      // its server; how to stop the feed and the server
        dashboard = service.service(DashboardServer.class);      // the running dashboard, for its feed()
        // end-snippet
        return dashboard;
    }

    /** A recording viewer (anonymous, as the page is) of the upgrade URL with {@code query}. */
    private RecordingClient recordingViewer(String query) {
        return service.connect(RecordingClient.builder(URI.create(service.uri() + query)));
    }

    private TestClient viewer(String query) {
        TestClient c = TestClient.connect(http, URI.create(dashboard.server().webSocketUri() + query), Map.of());
        viewers.add(c);
        return c;
    }

    /** The ticks a viewer receives within {@code window}, in arrival order. */
    private static List<JsonNode> ticksWithin(TestClient viewer, Duration window) {
        List<JsonNode> ticks = new ArrayList<>();
        long end = System.nanoTime() + window.toNanos();
        for (int i = 0; i < 100_000 && System.nanoTime() < end; i++) {
            JsonNode m = viewer.nextWithin(Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime())));
            if (m != null && m.path("type").asText().equals("tick")) {
                ticks.add(m);
            }
        }
        return ticks;
    }

    private static long seq(JsonNode event) {
        return event.path("payload").path("seq").asLong();
    }

    private double dropsCounted() throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(dashboard.server().httpUri() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = DROPS.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void viewersReceiveTicksAtRoughlyTheFeedRateAndAFastViewerMissesNone() {
        start(Map.of());
        for (int i = 0; i < 3; i++) {
            viewer("?room=feed").awaitType("joined");
        }

        viewers.forEach(TestClient::drainMessages);
        // One 2 s window for all: the first viewer's ticks as they arrive, the others' queued meanwhile.
        List<List<JsonNode>> perViewer = new ArrayList<>();
        perViewer.add(ticksWithin(viewers.getFirst(), Duration.ofSeconds(2)));
        for (TestClient v : viewers.subList(1, viewers.size())) {
            perViewer.add(v.drainMessages().stream().filter(m -> m.path("type").asText().equals("tick")).toList());
        }

        for (List<JsonNode> ticks : perViewer) {
            // 50 ticks/s for 2 s is 100; a loaded machine may run late or catch up (fixed-rate timer).
            assertThat(ticks.size()).as("ticks in 2 s at 50/s").isBetween(50, 150);
            for (int i = 1; i < ticks.size(); i++) {
                assertThat(seq(ticks.get(i))).as("a fast viewer's ticks are gap-free").isEqualTo(seq(ticks.get(i - 1)) + 1);
            }
            assertThat(ticks.getLast().path("payload").path("values").properties())
                    .extracting(Map.Entry::getKey).containsExactlyElementsOf(SIX);
        }
    }

    @Test
    void aViewerThatJoinsGetsASnapshotOfEverySeriesAtOnceWithoutWaitingForTheNextTick() {
        start(Map.of("ROOMCAST_FEED_RATE", "1"));
        Feed feed = dashboard.feed();
        // Connect right after a tick, so the next one is about a second away.
        long before = feed.latest().seq();
        await().atMost(Duration.ofSeconds(5)).until(() -> feed.latest().seq() > before);
        long current = feed.latest().seq();

        TestClient v = viewer("?room=feed");
        assertThat(v.next().path("type").asText()).isEqualTo("joined");
        JsonNode first = v.nextWithin(Duration.ofMillis(900));

        assertThat(first).as("an event well before the next tick is due").isNotNull();
        if (feed.latest().seq() == current) { // no tick happened meanwhile (the usual case): it can only be the snapshot
            assertThat(first.path("type").asText()).isEqualTo("snapshot");
            assertThat(seq(first)).isEqualTo(current);
            for (String name : SIX) {
                assertThat(first.path("payload").path("values").path(name).asDouble())
                        .as("value of %s", name).isEqualTo(feed.latest().value(name));
            }
        }
        assertThat(first.path("payload").path("values").properties()).extracting(Map.Entry::getKey)
                .containsExactlyElementsOf(SIX);
        JsonNode tick = v.awaitType("tick");
        assertThat(seq(tick)).isGreaterThan(current);
    }

    @Test
    void theFirstEventAfterJoinedCarriesEverySeriesAtTheFullFeedRate() {
        start(Map.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> dashboard.feed().latest().seq() >= 10);
        long before = dashboard.feed().latest().seq();

        TestClient v = viewer("?room=feed");
        assertThat(v.next().path("type").asText()).isEqualTo("joined");
        JsonNode first = v.next();
        List<String> types = new ArrayList<>(List.of(first.path("type").asText(), v.next().path("type").asText()));

        assertThat(types.getFirst()).isIn("snapshot", "tick");
        assertThat(seq(first)).as("never older than the feed when the viewer connected").isGreaterThanOrEqualTo(before);
        assertThat(first.path("payload").path("values").properties()).extracting(Map.Entry::getKey)
                .containsExactlyElementsOf(SIX);
        assertThat(types).as("the snapshot is one of the first two events").contains("snapshot");
    }

    @Test
    void aSlowViewerIsNotClosedOthersAreUnaffectedAndAfterResumingItEndsWithTheLatestValues() throws Exception {
        // 1,000 series make each tick about 20 KB, so a viewer that stops reading fills the socket's
        // buffers within seconds, then its 64-frame queue; from then on its ticks are dropped. The
        // queue still absorbs a server-side stall of over a second for the fast viewer.
        start(Map.of("ROOMCAST_SEND_QUEUE_SIZE", "64", "ROOMCAST_FEED_SERIES", "1000"));
        TestClient fast = viewer("?room=feed&room=alerts");
        assertThat(fast.awaitType("joined").path("room").asText()).isNotEmpty();
        slow = RawWebSocket.open(dashboard.server().port(), 4096);
        assertThat(slow.upgrade("/ws?room=feed&room=alerts", Map.of()).status()).isEqualTo(101);
        await().atMost(Duration.ofSeconds(5)).until(() -> dashboard.server().hub().roomCount(Feed.FEED) == 2);

        // The slow viewer reads nothing now. The fast one keeps receiving every tick meanwhile.
        long lastFast = seq(fast.awaitType("tick"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
        while (dropsCounted() == 0 && System.nanoTime() < deadline) {
            for (JsonNode t : ticksWithin(fast, Duration.ofMillis(250))) {
                assertThat(seq(t)).as("the fast viewer misses no tick").isEqualTo(lastFast + 1);
                lastFast = seq(t);
            }
        }
        assertThat(dropsCounted()).as("roomcast_send_refused_total{behavior=drop} within 25 s").isPositive();
        // Wait until its socket has stalled for good: a whole half second of ticks dropped.
        double drops = dropsCounted();
        while (System.nanoTime() < deadline) {
            for (JsonNode t : ticksWithin(fast, Duration.ofMillis(500))) {
                assertThat(seq(t)).as("the fast viewer misses no tick").isEqualTo(lastFast + 1);
                lastFast = seq(t);
            }
            double now = dropsCounted();
            if (now - drops >= 20) {
                break;
            }
            drops = now;
        }

        // Same connection, other room: the alerts room waits (BLOCK) instead of dropping, then times out.
        BroadcastResult alert = dashboard.feed().alert("EURUSD", 1.2, 1.5).get(5, TimeUnit.SECONDS);
        assertThat(alert).isEqualTo(new BroadcastResult(2, 1, 0, 0, 1, java.util.Optional.empty()));
        assertThat(fast.awaitType("alert").path("payload").path("series").asText()).isEqualTo("EURUSD");
        assertThat(dashboard.server().hub().roomCount(Feed.FEED)).as("DROP keeps the slow viewer").isEqualTo(2);
        assertThat(dashboard.server().hub().roomCount(Feed.ALERTS)).isEqualTo(2);

        // It resumes: within a few seconds it reads a tick at least as new as the feed was when it resumed.
        long resumedAt = dashboard.feed().latest().seq();
        long newest = -1;
        long previous = -1;
        boolean gap = false;
        long readUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < 10_000 && newest < resumedAt && System.nanoTime() < readUntil; i++) {
            JsonNode m = JSON.readTree(slow.readUntil(RawWebSocket.OP_TEXT).text());
            if (m.path("type").asText().equals("tick")) {
                newest = seq(m);
                gap |= previous >= 0 && newest != previous + 1;
                previous = newest;
                assertThat(m.path("payload").path("values").size()).isEqualTo(1000);
            }
        }
        assertThat(newest).as("the slow viewer caught up with the feed").isGreaterThanOrEqualTo(resumedAt);
        assertThat(gap).as("it lost intermediate ticks on the way").isTrue();
        assertThat(fast.isClosed()).isFalse();
    }

    @Test
    void theFeedRoomDropsAndTheAlertsRoomBlocks() {
        start(Map.of());

        assertThat(dashboard.server().config().sendBehavior(Feed.FEED)).isEqualTo(SendBehavior.DROP);
        assertThat(dashboard.server().config().sendBehavior(Feed.ALERTS)).isEqualTo(SendBehavior.BLOCK);
    }

    @Test
    void anAlertReachesTheViewersOfTheAlertsRoomOnly() throws Exception {
        start(Map.of());
        RecordingClient both = recordingViewer("?room=feed&room=alerts");
        RecordingClient feedOnly = recordingViewer("?room=feed");
        both.awaitEvent("joined");
        feedOnly.awaitEvent("joined");
        await().atMost(Duration.ofSeconds(5)).until(() -> dashboard.server().hub().roomCount(Feed.ALERTS) == 1);

        BroadcastResult result = dashboard.feed().alert("GOLD", 2400.5, 2.1).get(5, TimeUnit.SECONDS);

        assertThat(result.attempted()).isEqualTo(1);
        Envelope alert = both.awaitEvent("alert");
        assertThat(alert.room()).contains("alerts");
        assertThat(alert.payload().path("series").asText()).isEqualTo("GOLD");
        assertThat(alert.payload().path("changePercent").asDouble()).isEqualTo(2.1);
        // A tick made after the alert was queued comes behind it on each connection's one ordered queue:
        // once it arrived, an alert sent to the feed-only viewer would have arrived too.
        long afterTheAlert = dashboard.feed().latest().seq();
        feedOnly.awaitEvent("tick", t -> t.payload().path("seq").asLong() > afterTheAlert);
        assertThat(feedOnly.events()).noneMatch(e -> e.type().equals("alert"));
    }

    @Test
    void thePageIsServedFromTheJarAtTheRoot() throws Exception {
        start(Map.of());

        HttpResponse<String> page = http.send(HttpRequest.newBuilder(dashboard.pageUri()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Roomcast live dashboard</title>").contains("src=\"/dashboard.js\"");
        HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(dashboard.server().httpUri()
                + "/dashboard.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("from '/roomcast-client.js'").contains("['feed', 'alerts']");
        HttpResponse<String> client = http.send(HttpRequest.newBuilder(URI.create(dashboard.server().httpUri()
                + "/roomcast-client.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(client.statusCode()).isEqualTo(200);
        assertThat(client.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(client.body()).contains("export class RoomcastClient");
    }

    /** Everything {@code viewer} receives up to and including the first event of {@code type}. */
    private static List<JsonNode> untilType(TestClient viewer, String type) {
        List<JsonNode> seen = new ArrayList<>();
        long end = System.nanoTime() + TestClient.WAIT.toNanos();
        for (int i = 0; i < 100_000 && System.nanoTime() < end; i++) {
            JsonNode m = viewer.nextWithin(Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime())));
            if (m != null) {
                seen.add(m);
                if (m.path("type").asText().equals(type)) {
                    return seen;
                }
            }
        }
        throw new AssertionError("expected a '" + type + "' event within " + TestClient.WAIT);
    }

    @Test
    void aViewersPublishIsRefusedWithPublishForbiddenAndReachesNoOtherViewer() {
        start(Map.of());
        TestClient publisher = viewer("?room=feed");                       // joined at the upgrade
        publisher.awaitType("joined");
        publisher.sendJson(Map.of("type", "join", "room", "alerts", "id", "j1")); // joined with a join event
        assertThat(publisher.awaitType("joined").path("id").asText()).isEqualTo("j1");
        TestClient other = viewer("");
        other.sendJson(Map.of("type", "join", "room", "feed", "id", "j2"));
        assertThat(other.awaitType("joined").path("id").asText()).isEqualTo("j2");

        publisher.sendJson(Map.of("type", "publish", "room", "feed", "id", "p1", "payload", Map.of("EURUSD", 0.01)));
        publisher.sendJson(Map.of("type", "publish", "room", "alerts", "id", "p2", "payload", Map.of("series", "fake")));

        JsonNode first = publisher.awaitType("error");
        JsonNode second = publisher.awaitType("error");
        assertThat(first.path("id").asText()).isEqualTo("p1");
        assertThat(second.path("id").asText()).isEqualTo("p2");
        for (JsonNode error : List.of(first, second)) {
            assertThat(error.path("payload").path("code").asText()).isEqualTo("PUBLISH_FORBIDDEN");
            assertThat(error.path("payload").path("message").asText()).isEqualTo(ErrorCode.PUBLISH_FORBIDDEN.safeMessage());
        }
        // A marker the service broadcasts after the refusals: the room's broadcasts keep their order, so a
        // viewer's publish that had gone through would reach the other viewer before it.
        dashboard.server().hub().broadcastRoom(Feed.FEED, Envelope.toRoom("marker", Feed.FEED, null), Optional.empty());
        assertThat(untilType(other, "marker")).noneMatch(m -> m.path("type").asText().equals("message"));
        assertThat(untilType(publisher, "marker")).noneMatch(m -> m.path("type").asText().equals("message"));
        assertThat(publisher.isClosed()).as("a refused publish does not close the connection").isFalse();
    }

    @Test
    void aRoomOtherThanFeedAndAlertsIsRefusedWith403BeforeTheUpgrade() {
        start(Map.of());

        Disconnect refused = RecordingClient.builder(URI.create(service.uri() + "?room=lobby")).refused();

        assertThat(refused.httpStatus()).contains(403);
        assertThat(refused.terminal()).isTrue();
    }

    @Test
    void theStartUpLinesNameThePageAndTheRoomsBehaviour() {
        start(Map.of());

        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Roomcast live dashboard on " + dashboard.server().httpUri() + "/")
                .contains("6 series at 50 ticks/s").contains("room feed drops for slow viewers");
    }
}
