package dev.roomcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.InProcessClusterBus;
import dev.roomcast.hub.PresencePolicy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The feed's steps, driven by hand (no timer) on a real hub with no viewers; the hub's listener counts the broadcasts per room. */
class FeedTest {
    private final RoomcastConfig config = RoomcastConfig.builder().workerCount(1).build();
    private final EnvelopeCodec codec = EnvelopeCodec.of(config);
    private final Map<RoomName, AtomicInteger> broadcasts = new ConcurrentHashMap<>();
    private final Hub hub = new Hub(config, codec, Clock.system(), List.of(new HubListener() {
        @Override
        public void onBroadcast(RoomName room, BroadcastResult result, long durationNanos) {
            broadcasts.computeIfAbsent(room, r -> new AtomicInteger()).incrementAndGet();
        }
    }), new InProcessClusterBus(), PresencePolicy.always(false));

    @AfterEach
    void stop() {
        hub.stop();
    }

    private Feed feed(DashboardSettings settings) {
        return new Feed(hub, codec, Clock.system(), settings, new LatestValues(Feed.opening(settings, Clock.system())));
    }

    private int broadcastsTo(RoomName room) {
        return broadcasts.getOrDefault(room, new AtomicInteger()).get();
    }

    @Test
    void beforeTheFirstStepTheLatestValuesAreTheOpeningOnesAtSeqZero() {
        Feed feed = feed(DashboardSettings.defaults());

        assertThat(feed.latest().seq()).isZero();
        assertThat(feed.latest().value("BTCUSD")).isEqualTo(67_000);
        assertThat(feed.latest().names()).hasSize(6);
    }

    @Test
    void eachStepCarriesEverySeriesWithASeqOneHigherAndIsBroadcastToTheFeedRoom() {
        Feed feed = feed(DashboardSettings.defaults().withAlertPercent(50));

        for (int i = 1; i <= 5; i++) {
            feed.step();
            assertThat(feed.latest().seq()).isEqualTo(i);
            assertThat(feed.latest().names()).hasSize(6);
            assertThat(java.util.Arrays.stream(feed.latest().values()).allMatch(v -> v > 0)).as("every value > 0").isTrue();
        }
        org.awaitility.Awaitility.await().until(() -> broadcastsTo(Feed.FEED) == 5);
        assertThat(broadcastsTo(Feed.ALERTS)).as("no series moved 50 %").isZero();
    }

    @Test
    void aSeededFeedTakesTheSameStepsEveryRun() {
        DashboardSettings seeded = DashboardSettings.defaults().withSeed(42);
        Feed one = feed(seeded);
        Feed two = feed(seeded);

        for (int i = 0; i < 20; i++) {
            one.step();
            two.step();
        }

        assertThat(one.latest().values()).containsExactly(two.latest().values());
    }

    @Test
    void aSeriesThatMovesPastTheThresholdRaisesOneAlertAndTheLevelMovesWithIt() {
        // Steps of 5 % against a threshold of a billionth of one: every series alerts on every step, once each.
        List<Series> wild = List.of(Series.of("A", 1000, 0.05), Series.of("B", 2000, 0.05), Series.of("C", 3000, 0.05));
        Feed feed = feed(new DashboardSettings(50, wild, 1e-9, java.util.Optional.of(7L)));

        feed.step();
        feed.step();

        org.awaitility.Awaitility.await().until(() -> broadcastsTo(Feed.ALERTS) >= 6);
        assertThat(broadcastsTo(Feed.ALERTS)).as("one alert per series and step").isEqualTo(6);
        assertThat(broadcastsTo(Feed.FEED)).isEqualTo(2);
    }
}
