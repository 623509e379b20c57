package dev.roomcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The live dashboard built by its Dagger component, on a real server (127.0.0.1, port 0), watched by
 * real JDK WebSocket viewers and, for the slow viewer, a raw socket with a tiny receive window that
 * stops reading. Counts are asserted within generous bounds and every wait is bounded.
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
    private DashboardServer dashboard;
    private RawWebSocket slow;

    @AfterEach
    void stop() throws IOException {
        viewers.forEach(TestClient::close);
        if (slow != null) {
            slow.close();
        }
        if (dashboard != null) {
            dashboard.stop();
        }
    }

    private DashboardServer start(Map<String, String> env) {
        // Alerts at 50 %: none arise by themselves during a test, so only the tests' own are seen.
        Map<String, String> all = new HashMap<>(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_ALERT_PERCENT", "50"));
        all.putAll(env);
        dashboard = DashboardServer.start(new ConfigSources(all, Map.of()), new PrintStream(printed, true, StandardCharsets.UTF_8));
        return dashboard;
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
        TestClient both = viewer("?room=feed&room=alerts");
        TestClient feedOnly = viewer("?room=feed");
        both.awaitType("joined");
        feedOnly.awaitType("joined");
        await().atMost(Duration.ofSeconds(5)).until(() -> dashboard.server().hub().roomCount(Feed.ALERTS) == 1);

        BroadcastResult result = dashboard.feed().alert("GOLD", 2400.5, 2.1).get(5, TimeUnit.SECONDS);

        assertThat(result.attempted()).isEqualTo(1);
        JsonNode alert = both.awaitType("alert");
        assertThat(alert.path("room").asText()).isEqualTo("alerts");
        assertThat(alert.path("payload").path("series").asText()).isEqualTo("GOLD");
        assertThat(alert.path("payload").path("changePercent").asDouble()).isEqualTo(2.1);
        assertThat(ticksWithin(feedOnly, Duration.ofMillis(300))).isNotEmpty();
        assertThat(feedOnly.drainMessages()).noneMatch(m -> m.path("type").asText().equals("alert"));
    }

    @Test
    void thePageIsServedFromTheJarAtTheRoot() throws Exception {
        start(Map.of());

        HttpResponse<String> page = http.send(HttpRequest.newBuilder(dashboard.pageUri()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Roomcast live dashboard</title>").contains("room=feed&room=alerts");
    }

    @Test
    void aRoomOtherThanFeedAndAlertsIsRefusedWith403BeforeTheUpgrade() {
        start(Map.of());

        int status = -1;
        try {
            viewer("?room=lobby");
        } catch (CompletionException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof WebSocketHandshakeException refused) {
                    status = refused.getResponse().statusCode();
                }
            }
        }
        assertThat(status).isEqualTo(403);
    }

    @Test
    void theStartUpLinesNameThePageAndTheRoomsBehaviour() {
        start(Map.of());

        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Roomcast live dashboard on " + dashboard.server().httpUri() + "/")
                .contains("6 series at 50 ticks/s").contains("room feed drops for slow viewers");
    }
}
