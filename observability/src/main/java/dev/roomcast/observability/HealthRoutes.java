package dev.roomcast.observability;

import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubStats;
import java.util.List;
import java.util.Objects;

/**
 * The liveness and readiness routes: {@code GET /health} answers 200 while the process can answer at
 * all, {@code GET /ready} answers 200 only while the hub accepts connections (503 while shutting down),
 * so a load balancer stops sending upgrades before connections are drained. Both carry the hub's
 * current load as JSON.
 */
public final class HealthRoutes {
    /** Liveness path. */
    public static final String HEALTH_PATH = "/health";
    /** Readiness path. */
    public static final String READY_PATH = "/ready";

    private final HubStats stats;

    public HealthRoutes(HubStats stats) {
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    /** Both routes, for mounting on the server. */
    public List<HttpRoute> routes() {
        return List.of(HttpRoute.get(HEALTH_PATH, request -> HttpResponse.json(200, body("UP"))),
                HttpRoute.get(READY_PATH, request -> stats.isAcceptingConnections()
                        ? HttpResponse.json(200, body("READY"))
                        : HttpResponse.json(503, body("NOT_READY"))));
    }

    private String body(String status) {
        return "{\"status\":\"" + status + "\",\"hub\":{\"connections\":" + stats.activeConnectionCount()
                + ",\"rooms\":" + stats.activeRoomCount()
                + ",\"registrations\":" + stats.registrationCount()
                + ",\"queuedBroadcastJobs\":" + stats.queuedBroadcastJobs()
                + ",\"acceptingConnections\":" + stats.isAcceptingConnections() + "}}";
    }
}
