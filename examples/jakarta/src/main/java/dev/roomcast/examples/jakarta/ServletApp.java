package dev.roomcast.examples.jakarta;

import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.jakarta.RoomcastJakarta;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ListenerInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import io.undertow.util.ParameterLimitException;
import io.undertow.util.URLUtils;
import io.undertow.util.UrlDecodeException;
import io.undertow.websockets.jsr.WebSocketDeploymentInfo;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * "The existing servlet application": an Undertow servlet deployment with its own servlets (the chat
 * page at {@code /}, and in development a token endpoint at {@code /token}) into which Roomcast is
 * mounted by one {@link ServletContextListener}. Only this class knows the container; Roomcast's
 * adapter sees the servlet and WebSocket APIs.
 *
 * <p>Shutdown order matters: Roomcast first (clients get the {@code shutdown} event and a 1001), then
 * the {@link DeploymentManager}, then Undertow. Stopping Undertow while the deployment still runs
 * leaves its WebSocket container waiting about 10 s for sessions that are gone.
 */
public final class ServletApp implements AutoCloseable {
    private final Undertow undertow;
    private final DeploymentManager deployment;
    private final RoomcastJakarta roomcast;
    private final URI httpUri;

    private ServletApp(Undertow undertow, DeploymentManager deployment, RoomcastJakarta roomcast, URI httpUri) {
        this.undertow = undertow;
        this.deployment = deployment;
        this.roomcast = roomcast;
        this.httpUri = httpUri;
    }

    /**
     * Binds {@code host:port} (0 picks a free port), then builds Roomcast for the page's own origin with
     * {@code roomcastFor} (the origin is known only once the port is bound), deploys the application and
     * starts serving. {@code tokens} serves development tokens at {@code /token} when present.
     */
    public static ServletApp start(String host, int port, Function<String, RoomcastJakarta> roomcastFor,
                                   Optional<TokenServlet> tokens) {
        // Requests that arrive before the deployment is ready get a 503 from this placeholder.
        var handler = new SwitchableHandler();
        Undertow undertow = Undertow.builder().addHttpListener(port, host).setHandler(handler).setWorkerThreads(4)
                // Undertow's request parser answers a malformed %-escape with an empty 400 before any
                // filter runs, so Roomcast's upgrade filter could not answer it with the contract's
                // JSON 400: the parser leaves URLs encoded, and SwitchableHandler decodes them
                .setServerOption(UndertowOptions.DECODE_URL, false)
                .build();
        undertow.start();
        int bound = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        String authority = (host.contains(":") ? "[" + host + "]" : host) + ":" + bound;
        RoomcastJakarta roomcast = roomcastFor.apply("http://" + authority);
        try {
            // snippet:jakarta-deployment
            DeploymentInfo app = Servlets.deployment()
                    .setClassLoader(ServletApp.class.getClassLoader())
                    .setContextPath("/")
                    .setDeploymentName("jakarta-chat")
                    .addServlet(Servlets.servlet("page", PageServlet.class).addMapping("/"))
                    // Roomcast mounts itself when the context initializes: its upgrade filter on the
                    // WebSocket path, ahead of the application's filters, and its endpoint.
                    .addListener(new ListenerInfo(ServletContextListener.class,
                            new ImmediateInstanceFactory<>(roomcast.servletContextListener())))
                    .addServletContextAttribute(WebSocketDeploymentInfo.ATTRIBUTE_NAME, new WebSocketDeploymentInfo()
                            .setWorker(undertow.getWorker())
                            .setBuffers(new DefaultByteBufferPool(true, 16 * 1024)));
            // end-snippet
            tokens.ifPresent(t -> app.addServlet(Servlets.servlet("token", TokenServlet.class,
                    new ImmediateInstanceFactory<>(t)).addMapping("/token")));
            DeploymentManager deployment = Servlets.defaultContainer().addDeployment(app);
            deployment.deploy();
            handler.target = deployment.start();
            return new ServletApp(undertow, deployment, roomcast, URI.create("http://" + authority));
        } catch (ServletException | RuntimeException e) {
            roomcast.stop();
            undertow.stop();
            throw new IllegalStateException("the servlet application failed to start", e);
        }
    }

    /** The page's URL, e.g. {@code http://127.0.0.1:8080}. */
    public URI httpUri() {
        return httpUri;
    }

    /** The WebSocket URL, e.g. {@code ws://127.0.0.1:8080/ws}. */
    public URI webSocketUri() {
        return URI.create("ws://" + httpUri.getAuthority() + roomcast.config().path());
    }

    /** The Roomcast adapter mounted in this application. */
    public RoomcastJakarta roomcast() {
        return roomcast;
    }

    /** The bound port. */
    public int port() {
        return httpUri.getPort();
    }

    /**
     * Graceful shutdown: Roomcast drains and closes its clients within {@code deadline}, then the
     * deployment and the server stop. Blocks for up to {@code deadline} plus a moment.
     */
    public Hub.ShutdownResult shutdown(Duration deadline) {
        Hub.ShutdownResult result = roomcast.shutdown(deadline);
        stopContainer();
        return result;
    }

    /** Stops at once: clients are closed with 1001 without draining. */
    @Override
    public void close() {
        roomcast.stop();
        stopContainer();
    }

    // snippet:jakarta-stop
    private void stopContainer() {
        try {
            deployment.stop(); // first: its WebSocket container closes its sessions while the worker still runs
            deployment.undeploy();
        } catch (ServletException e) {
            throw new IllegalStateException("the deployment failed to stop", e);
        } finally {
            undertow.stop();
        }
    }
    // end-snippet

    /**
     * Sends requests to the deployment once it runs, with their URL decoded as Undertow would have
     * decoded it (UTF-8, {@code +} in the query is a space); answers 503 before. A URL with a malformed
     * escape goes on as it came: Roomcast's filter reads the raw query and refuses it with the JSON 400,
     * and the application's servlets see it undecoded.
     */
    private static final class SwitchableHandler implements HttpHandler {
        volatile HttpHandler target;

        @Override
        public void handleRequest(HttpServerExchange exchange) throws Exception {
            HttpHandler t = target;
            if (t == null) {
                exchange.setStatusCode(503);
                exchange.endExchange();
            } else {
                decodeUrl(exchange);
                t.handleRequest(exchange);
            }
        }

        private static void decodeUrl(HttpServerExchange exchange) {
            try {
                String path = URLUtils.decode(exchange.getRequestPath(), "UTF-8", false, false, new StringBuilder());
                exchange.setRequestPath(path);
                exchange.setRelativePath(path);
            } catch (UrlDecodeException e) {
                // left encoded: no servlet path matches it, so the page servlet answers it
            }
            String query = exchange.getQueryString();
            if (query.indexOf('%') < 0 && query.indexOf('+') < 0) {
                return;
            }
            Map<String, Deque<String>> encoded = new LinkedHashMap<>(exchange.getQueryParameters());
            exchange.getQueryParameters().clear();
            try {
                URLUtils.parseQueryString(query, exchange, "UTF-8", true, UndertowOptions.DEFAULT_MAX_PARAMETERS);
            } catch (UrlDecodeException | ParameterLimitException e) {
                exchange.getQueryParameters().clear();
                exchange.getQueryParameters().putAll(encoded);
            }
        }
    }
}
