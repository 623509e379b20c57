package dev.roomcast.transport.undertow.jakarta;

import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.internal.UpgradeGate;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Extension;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.random.RandomGenerator;

/**
 * Roomcast on the Jakarta WebSocket API (JSR-356) inside an existing servlet application: the same
 * hub, upgrade contract, protocol, send queues, heartbeats and shutdown as {@code RoomcastServer},
 * mounted as two standard pieces at {@code config.path()}: an upgrade {@link Filter} that refuses bad
 * upgrades with the contract's status and JSON body before any 101 (the decisions are the native
 * transport's own), and a programmatic {@link ServerEndpointConfig} whose endpoint adapts each
 * {@code jakarta.websocket.Session} to the hub. {@link #install(ServletContext)} registers both; call
 * it while the context initializes (or register {@link #servletContextListener()}).
 *
 * <p>It uses the servlet and WebSocket APIs only, no Undertow type (an ArchUnit rule checks), and is
 * tested in Undertow's servlet container ({@code undertow-websockets-jsr} 2.3.24.Final). The
 * application owns the container; this owns one timer thread for heartbeats.
 *
 * <p>States: <em>created</em> → {@link #install} → <em>serving</em> → {@link #shutdown(Duration)} or
 * {@link #stop()} → <em>stopped</em>. Stop it before the container, so clients get the {@code shutdown}
 * event and a 1001 rather than a dropped socket; stopping is idempotent.
 */
public final class RoomcastJakarta {
    /** Subprotocol with one envelope per frame (the default). */
    public static final String SUBPROTOCOL_V1 = "roomcast.v1";
    /** Subprotocol whose server frames may carry several newline-separated envelopes. */
    public static final String SUBPROTOCOL_BATCH_V1 = "roomcast.batch.v1";
    /** Header carrying a room password at the upgrade. */
    public static final String ROOM_PASSWORD_HEADER = "X-Roomcast-Room-Password";
    /** The name the upgrade filter is registered under by {@link #install}. */
    public static final String FILTER_NAME = "roomcast-upgrade";

    static final List<String> SUBPROTOCOLS = List.of(SUBPROTOCOL_V1, SUBPROTOCOL_BATCH_V1);

    private final RoomcastConfig config;
    private final Hub hub;
    private final ScheduledExecutorService timer;
    private final UpgradeFilter filter;
    private final ServerEndpointConfig endpoint;

    /**
     * Creates the adapter; nothing is mounted until {@link #install}.
     *
     * @param tokens         verifies bearer tokens; may be empty only when {@code allowUnauthenticated} is on
     * @param inboundRates   the inbound message rate of each connection, asked once at its upgrade
     * @param roomAuthorizer decides room entry at the upgrade and on {@code join}
     * @param listeners      connection telemetry, told what the native transport tells it
     */
    public RoomcastJakarta(RoomcastConfig config, Hub hub, EnvelopeCodec codec, EventRouter router,
                           Optional<TokenAuthenticator> tokens, InboundRatePolicy inboundRates, RoomAuthorizer roomAuthorizer,
                           Collection<ConnectionListener> listeners, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.hub = Objects.requireNonNull(hub, "hub");
        if (tokens.isEmpty() && !config.allowUnauthenticated()) {
            throw new IllegalStateException("tokens: expected a TokenAuthenticator because allowUnauthenticated is off");
        }
        ScheduledThreadPoolExecutor timerThread = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("roomcast-jakarta-timer").factory());
        timerThread.setRemoveOnCancelPolicy(true); // a closed connection's heartbeat leaves the queue at once
        this.timer = timerThread;
        List<ConnectionListener> listenerList = List.copyOf(listeners);
        JakartaServices services = new JakartaServices(config, hub, codec, router, roomAuthorizer, listenerList, clock, timer);
        UpgradeGate gate = new UpgradeGate(config, hub, roomAuthorizer, tokens, inboundRates, listenerList, clock,
                UpgradeGate.randomIdPrefix());
        this.filter = new UpgradeFilter(config, gate, services);
        this.endpoint = ServerEndpointConfig.Builder.create(RoomcastEndpoint.class, config.path())
                .subprotocols(SUBPROTOCOLS)
                .configurator(new Configurator())
                .build();
    }

    /**
     * Registers the upgrade filter on {@code config.path()}, ahead of the filters already declared, and
     * adds the endpoint to the context's {@link ServerContainer}. Call it during context initialization.
     *
     * @throws IllegalStateException when the context has no WebSocket container or the path is taken
     */
    public void install(ServletContext context) {
        FilterRegistration.Dynamic registration = context.addFilter(FILTER_NAME, filter);
        if (registration == null) {
            throw new IllegalStateException("install: expected no filter named " + FILTER_NAME + " but one is registered");
        }
        registration.setAsyncSupported(true);
        registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, config.path());
        if (!(context.getAttribute(ServerContainer.class.getName()) instanceof ServerContainer container)) {
            throw new IllegalStateException("install: expected a Jakarta WebSocket ServerContainer in the servlet context"
                    + " but there is none (is the container's WebSocket support on the classpath and enabled?)");
        }
        try {
            container.addEndpoint(endpoint);
        } catch (DeploymentException e) {
            throw new IllegalStateException("install: the WebSocket container refused the endpoint at " + config.path(), e);
        }
    }

    /** A listener that calls {@link #install} when the context initializes, for containers set up by listeners. */
    public ServletContextListener servletContextListener() {
        return new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                install(event.getServletContext());
            }
        };
    }

    /** The upgrade filter alone, for applications that register filters themselves (map it on {@code config.path()}). */
    public Filter upgradeFilter() {
        return filter;
    }

    /** The endpoint configuration alone, for applications that add endpoints themselves. */
    public ServerEndpointConfig endpointConfig() {
        return endpoint;
    }

    /** The configuration this adapter runs with. */
    public RoomcastConfig config() {
        return config;
    }

    /** The hub this adapter feeds. */
    public Hub hub() {
        return hub;
    }

    /**
     * Graceful shutdown, as {@code RoomcastServer.shutdown}: new upgrades get 503 {@code SHUTTING_DOWN};
     * every member gets a {@code shutdown} event, then a 1001 close after its queue drains, in jittered
     * batches; at {@code deadline} whatever is left is closed. Blocks for up to {@code deadline}. Stop the
     * servlet container after this returns.
     */
    public Hub.ShutdownResult shutdown(Duration deadline) {
        return shutdown(deadline, RandomGenerator.of("L64X128MixRandom"));
    }

    /** {@link #shutdown(Duration)} with the jitter taken from {@code jitter} (seeded in tests). */
    public Hub.ShutdownResult shutdown(Duration deadline, RandomGenerator jitter) {
        Hub.ShutdownResult result = hub.shutdown(deadline, jitter);
        timer.shutdownNow();
        return result;
    }

    /** Stops now: closes every connection with 1001. Idempotent. */
    public void stop() {
        hub.stop();
        timer.shutdownNow();
    }

    /** Timer tasks waiting (heartbeats, upgrade timeouts); tests check that closed connections leave none. */
    int timerTasks() {
        return ((ScheduledThreadPoolExecutor) timer).getQueue().size();
    }

    /**
     * One endpoint instance per connection; the subprotocol the client offered first among ours, as the
     * native transport chooses; no extensions (the native transport negotiates none either). The origin
     * was checked by the filter, with a JSON answer the configurator could not give.
     */
    private static final class Configurator extends ServerEndpointConfig.Configurator {
        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return endpointClass.cast(new RoomcastEndpoint());
        }

        @Override
        public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
            for (String p : requested) {
                if (supported.contains(p)) {
                    return p;
                }
            }
            return "";
        }

        @Override
        public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
            return List.of();
        }

        @Override
        public boolean checkOrigin(String originHeaderValue) {
            return true;
        }
    }
}
