package dev.roomcast.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.HttpRequest;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubStats;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
}
