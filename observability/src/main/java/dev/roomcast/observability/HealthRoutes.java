package dev.roomcast.observability;

import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The liveness and readiness routes: {@code GET /health} answers 200 while the process can answer at
 * all, {@code GET /ready} answers 200 only while the hub accepts connections (503 while starting or
 * shutting down) and every {@link HealthCheck} passes within its timeout, so a load balancer stops
 * sending upgrades before connections are drained. Both carry the hub's current load as JSON;
 * {@code /ready} also lists each check's result.
 */
public final class HealthRoutes {
    private static final Logger log = LoggerFactory.getLogger(HealthRoutes.class);

    /** Liveness path. */
    public static final String HEALTH_PATH = "/health";
    /** Readiness path. */
    public static final String READY_PATH = "/ready";

    private final HubStats stats;
    private final List<HealthCheck> checks;

    /** Routes with no extra readiness checks. */
    public HealthRoutes(HubStats stats) {
        this(stats, List.of());
    }

    /** Routes whose readiness also requires every check in {@code checks}. */
    public HealthRoutes(HubStats stats, List<HealthCheck> checks) {
        this.stats = Objects.requireNonNull(stats, "stats");
        this.checks = List.copyOf(checks);
    }

    /** Both routes, for mounting on the server. */
    public List<HttpRoute> routes() {
        return List.of(HttpRoute.get(HEALTH_PATH, request -> HttpResponse.json(200, body("UP", ""))),
                HttpRoute.get(READY_PATH, request -> ready()));
    }

    private HttpResponse ready() {
        StringBuilder results = new StringBuilder();
        boolean allPassed = runChecks(results);
        boolean ready = stats.isAcceptingConnections() && allPassed;
        return HttpResponse.json(ready ? 200 : 503, body(ready ? "READY" : "NOT_READY", results.toString()));
    }

    /** Runs every check at once, each on its own virtual thread and within its timeout; appends {@code "checks":{…}}. */
    private boolean runChecks(StringBuilder json) {
        if (checks.isEmpty()) {
            return true;
        }
        boolean allPassed = true;
        json.append(",\"checks\":{");
        ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Boolean>> running = new ArrayList<>(checks.size());
            for (HealthCheck check : checks) {
                running.add(runner.submit(() -> check.probe().healthy()));
            }
            for (int i = 0; i < checks.size(); i++) {
                HealthCheck check = checks.get(i);
                String status = outcome(check, running.get(i));
                allPassed &= status.equals("UP");
                json.append(i == 0 ? "" : ",").append('"').append(check.name()).append("\":\"").append(status).append('"');
            }
        } finally {
            // Interrupts probes that missed their deadline; never waits for one that ignores it.
            runner.shutdownNow();
        }
        json.append('}');
        return allPassed;
    }

    private static String outcome(HealthCheck check, Future<Boolean> result) {
        try {
            return Boolean.TRUE.equals(result.get(check.timeout().toNanos(), TimeUnit.NANOSECONDS)) ? "UP" : "DOWN";
        } catch (TimeoutException e) {
            result.cancel(true);
            log.warn("health check {} did not answer within {}", check.name(), check.timeout());
            return "TIMEOUT";
        } catch (ExecutionException e) {
            // Only the exception's class: its message may carry a connection string or a password.
            log.warn("health check {} failed ({})", check.name(), e.getCause().getClass().getSimpleName());
            return "DOWN";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "DOWN";
        }
    }

    private String body(String status, String checkResults) {
        return "{\"status\":\"" + status + "\",\"hub\":{\"connections\":" + stats.activeConnectionCount()
                + ",\"rooms\":" + stats.activeRoomCount()
                + ",\"registrations\":" + stats.registrationCount()
                + ",\"queuedBroadcastJobs\":" + stats.queuedBroadcastJobs()
                + ",\"acceptingConnections\":" + stats.isAcceptingConnections() + "}" + checkResults + "}";
    }
}
