package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.HttpRequest;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HealthRoutesTest {
    /** A hub whose load the test sets by hand. */
    private static final class SettableStats implements HubStats {
        boolean accepting = true;

        @Override
        public int activeConnectionCount() {
            return 3;
        }

        @Override
        public int registrationCount() {
            return 5;
        }

        @Override
        public int activeRoomCount() {
            return 2;
        }

        @Override
        public int queuedBroadcastJobs() {
            return 0;
        }

        @Override
        public boolean isAcceptingConnections() {
            return accepting;
        }
    }

    private static HttpResponse call(HttpRoute route) throws Exception {
        return route.handler().handle(new HttpRequest("GET", route.path(), Map.of(), Map.of(), new byte[0], "127.0.0.1"));
    }

    @Test
    void readinessTurns503WhenTheHubStopsAcceptingWhileLivenessStays200() throws Exception {
        SettableStats stats = new SettableStats();
        var routes = new HealthRoutes(stats).routes();
        HttpRoute health = routes.get(0);
        HttpRoute ready = routes.get(1);
        assertThat(health.path()).isEqualTo("/health");
        assertThat(ready.path()).isEqualTo("/ready");
        assertThat(call(ready).status()).isEqualTo(200);

        stats.accepting = false;

        assertThat(call(ready).status()).isEqualTo(503);
        HttpResponse live = call(health);
        assertThat(live.status()).isEqualTo(200);
        assertThat(new String(live.body(), StandardCharsets.UTF_8))
                .contains("\"connections\":3", "\"rooms\":2", "\"registrations\":5", "\"acceptingConnections\":false");
    }

    private static String text(HttpResponse response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void readinessListsEveryCheckAndIsReadyOnlyWhenAllPass() throws Exception {
        SettableStats stats = new SettableStats();
        boolean[] dbUp = {true};
        HttpRoute ready = new HealthRoutes(stats, List.of(
                HealthCheck.of("cache", Duration.ofSeconds(1), () -> true),
                HealthCheck.of("db", Duration.ofSeconds(1), () -> dbUp[0]))).routes().get(1);

        HttpResponse up = call(ready);
        assertThat(up.status()).isEqualTo(200);
        assertThat(text(up)).contains("\"status\":\"READY\"", "\"checks\":{\"cache\":\"UP\",\"db\":\"UP\"}");

        dbUp[0] = false;
        HttpResponse down = call(ready);
        assertThat(down.status()).isEqualTo(503);
        assertThat(text(down)).contains("\"status\":\"NOT_READY\"", "\"db\":\"DOWN\"", "\"cache\":\"UP\"");
    }

    @Test
    void aCheckThatMissesItsDeadlineIsATimeoutAndIsInterrupted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        HttpRoute ready = new HealthRoutes(new SettableStats(), List.of(HealthCheck.of("slow", Duration.ofMillis(50), () -> {
            try {
                never.await(); // a probe that hangs; it must be cut, not waited for
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return true;
        }))).routes().get(1);

        long start = System.nanoTime();
        HttpResponse response = call(ready);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(response.status()).isEqualTo(503);
        assertThat(text(response)).contains("\"slow\":\"TIMEOUT\"");
        assertThat(interrupted.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCheckThatThrowsIsDownAndItsMessageIsNotEchoed() throws Exception {
        HttpRoute ready = new HealthRoutes(new SettableStats(), List.of(HealthCheck.of("db", Duration.ofSeconds(1), () -> {
            throw new IllegalStateException("jdbc:postgresql://db?password=hunter2");
        }))).routes().get(1);

        HttpResponse response = call(ready);

        assertThat(response.status()).isEqualTo(503);
        assertThat(text(response)).contains("\"db\":\"DOWN\"").doesNotContain("hunter2");
    }

    @Test
    void livenessIgnoresTheChecks() throws Exception {
        HttpRoute health = new HealthRoutes(new SettableStats(),
                List.of(HealthCheck.of("db", Duration.ofSeconds(1), () -> false))).routes().get(0);

        assertThat(call(health).status()).isEqualTo(200);
    }

    @Test
    void checkNamesAndTimeoutsAreValidated() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HealthCheck.of("Bad Name", Duration.ofSeconds(1), () -> true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HealthCheck.of("db", Duration.ZERO, () -> true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }
}
