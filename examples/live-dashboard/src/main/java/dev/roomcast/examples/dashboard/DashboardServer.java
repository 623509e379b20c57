package dev.roomcast.examples.dashboard;

import dev.roomcast.core.ConfigSources;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The live dashboard's entry point and its running instance: reads the settings from the
 * environment (through {@link ConfigSources}; the library itself never does), builds the Dagger
 * component, starts the server and then the feed, and prints the page's URL.
 *
 * <p>Rooms and their send behaviour: {@code feed} ({@link SendBehavior#DROP}: a viewer whose queue is
 * full misses ticks, never the latest values for long, see {@link Feed}) and {@code alerts} (the
 * service's default, {@link SendBehavior#BLOCK}: a full queue is waited for up to {@code sendTimeout}).
 * Viewers connect anonymously and only listen.
 *
 * <p>Environment: {@code ROOMCAST_HOST} (default 127.0.0.1), {@code ROOMCAST_PORT} (default 8080; 0 picks
 * a free port), {@code ROOMCAST_ALLOWED_ORIGINS} (comma list of browser origins; default: the page's own
 * origin, {@code http://HOST:PORT}, and {@code http://localhost:PORT} when the host is 127.0.0.1),
 * {@code ROOMCAST_SHUTDOWN_SECONDS} (default 10), {@code ROOMCAST_SEND_QUEUE_SIZE} (frames queued per
 * viewer, default 256), {@code ROOMCAST_INBOUND_RATE} (messages per second a viewer may send, burst twice
 * that; default 10), {@code ROOMCAST_FEED_RATE} (ticks per second, default 50), {@code ROOMCAST_FEED_SERIES}
 * (how many series, default 6), {@code ROOMCAST_ALERT_PERCENT} (move that raises an alert, default 1),
 * {@code ROOMCAST_FEED_SEED} (random seed, default fresh).
 */
public final class DashboardServer {
    /** Most bytes a viewer's message may have: viewers only listen, so a small limit costs nothing. */
    static final int MAX_VIEWER_MESSAGE_BYTES = 4096;

    private final RoomcastServer server;
    private final Feed feed;

    private DashboardServer(RoomcastServer server, Feed feed) {
        this.server = server;
        this.feed = feed;
    }

    /** Starts the dashboard and stops it gracefully on SIGTERM/SIGINT. */
    public static void main(String[] args) {
        DashboardServer dashboard = start(ConfigSources.fromProcess(), System.out);
        Duration deadline = dashboard.server().config().shutdownTimeout();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dashboard.shutdown(deadline), "roomcast-shutdown"));
    }

    /** Builds and starts the service from {@code env}, printing its URLs to {@code out}. */
    public static DashboardServer start(ConfigSources env, PrintStream out) {
        int port = env.integer("ROOMCAST_PORT", 8080);
        String host = env.string("ROOMCAST_HOST", "127.0.0.1");
        // snippet:dashboard-config
        RoomcastConfig.Builder config = RoomcastConfig.builder()
                .host(host)
                .port(port)
                .allowUnauthenticated(true)                          // a public, read-only dashboard
                .presenceEnabled(false)                              // viewers need not hear of each other
                .sendBehavior(SendBehavior.BLOCK)                    // alerts, replies: wait up to sendTimeout
                .roomSendBehavior(Feed.FEED, SendBehavior.DROP)      // ticks: drop for a full queue, never wait
                .sendQueueSize(env.integer("ROOMCAST_SEND_QUEUE_SIZE", 256))
                .maxMessageBytes(MAX_VIEWER_MESSAGE_BYTES)
                .inboundRatePerSecond(10).inboundBurst(20)
                .shutdownTimeout(Duration.ofSeconds(env.integer("ROOMCAST_SHUTDOWN_SECONDS", 10)))
                .allowedOrigins(origins(env.string("ROOMCAST_ALLOWED_ORIGINS", ""), host, port));
        // end-snippet
        inboundRate(env).ifPresent(rate -> config.inboundRatePerSecond(rate.perSecond()).inboundBurst(rate.burst()));
        DashboardSettings settings = settings(env);
        return start(config.build(), settings, out);
    }

    /** Builds and starts the service for {@code config} and {@code settings}, printing its URLs to {@code out}. */
    public static DashboardServer start(RoomcastConfig config, DashboardSettings settings, PrintStream out) {
        DashboardServerComponent component = DashboardServerComponent.create(config, settings);
        RoomcastServer server = component.server().start();
        Feed feed = component.feed();
        feed.start();
        out.println("Roomcast live dashboard on " + server.httpUri() + "/ (WebSocket " + server.webSocketUri()
                + "?room=feed&room=alerts)");
        out.println("Feed: " + settings.series().size() + " series at " + settings.ticksPerSecond()
                + " ticks/s; room feed drops for slow viewers, room alerts waits up to " + config.sendTimeout().toMillis()
                + " ms");
        out.println("Metrics: " + server.httpUri() + "/metrics, health: " + server.httpUri() + "/health and /ready");
        return new DashboardServer(server, feed);
    }

    /** The running server. */
    public RoomcastServer server() {
        return server;
    }

    /** The running feed. */
    public Feed feed() {
        return feed;
    }

    /** The page's address. */
    public URI pageUri() {
        return URI.create(server.httpUri() + DashboardPage.PATH);
    }

    /** Stops the feed, then shuts the server down gracefully within {@code deadline}. Idempotent. */
    public void shutdown(Duration deadline) {
        feed.stop();
        server.shutdown(deadline);
    }

    /** Stops the feed and the server now. Idempotent. */
    public void stop() {
        feed.stop();
        server.stop();
    }

    private static DashboardSettings settings(ConfigSources env) {
        DashboardSettings defaults = DashboardSettings.defaults();
        try {
            DashboardSettings s = defaults
                    .withTicksPerSecond(env.integer("ROOMCAST_FEED_RATE", defaults.ticksPerSecond()))
                    .withSeriesCount(env.integer("ROOMCAST_FEED_SERIES", defaults.series().size()));
            Optional<Double> percent = env.positiveNumber("ROOMCAST_ALERT_PERCENT");
            if (percent.isPresent()) {
                s = s.withAlertPercent(percent.get());
            }
            Optional<String> seed = env.string("ROOMCAST_FEED_SEED");
            if (seed.isPresent()) {
                s = s.withSeed(Long.parseLong(seed.get().trim()));
            }
            return s;
        } catch (IllegalArgumentException e) { // the messages name the setting and hold no secret
            throw new InvalidConfigException(List.of("dashboard settings: " + e.getMessage()));
        }
    }

    private static Optional<InboundRate> inboundRate(ConfigSources env) {
        try {
            return env.positiveNumber("ROOMCAST_INBOUND_RATE").map(InboundRate::withTwoSecondBurst);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(List.of("ROOMCAST_INBOUND_RATE: " + e.getMessage()));
        }
    }

    /**
     * The comma list, or when it is empty the page's own origin: a browser sends {@code Origin} on
     * the WebSocket upgrade, so the page served here must be allowed to connect back. With port 0 the
     * port is not known yet; set {@code ROOMCAST_ALLOWED_ORIGINS} (or a fixed port) to use the page then.
     */
    private static Set<String> origins(String commaList, String host, int port) {
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(commaList.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        if (out.isEmpty() && port != 0) {
            out.add("http://" + host + ":" + port);
            if (host.equals("127.0.0.1")) {
                out.add("http://localhost:" + port);
            }
        }
        return out;
    }
}
