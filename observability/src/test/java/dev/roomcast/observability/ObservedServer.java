package dev.roomcast.observability;

import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.HttpRoute;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.InProcessClusterBus;
import dev.roomcast.hub.PresencePolicy;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A real Roomcast server on 127.0.0.1 port 0 whose hub and connections both report to the given
 * observability listeners (the transport's {@code TestServer} has no hub listeners), with
 * {@link FakeTokens} ({@code valid:SUBJECT}) and real JDK clients. Close it in {@code @AfterEach}.
 */
final class ObservedServer implements AutoCloseable {
    private final RoomcastServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<TestClient> clients = Collections.synchronizedList(new ArrayList<>());

    private ObservedServer(RoomcastServer server) {
        this.server = server;
    }

    /**
     * Starts a server with {@code config} (host and port forced), {@code router}, the listeners (each
     * added to the connection and/or hub listener sets by what it implements) and the routes the
     * {@code routes} function builds from the hub.
     */
    static ObservedServer start(RoomcastConfig config, EventRouter router, List<Object> listeners,
                                Function<Hub, List<HttpRoute>> routes) {
        RoomcastConfig c = config.toBuilder().host("127.0.0.1").port(0).build();
        EnvelopeCodec codec = EnvelopeCodec.of(c);
        List<HubListener> hubListeners = listeners.stream().filter(HubListener.class::isInstance)
                .map(HubListener.class::cast).toList();
        List<ConnectionListener> connectionListeners = listeners.stream().filter(ConnectionListener.class::isInstance)
                .map(ConnectionListener.class::cast).toList();
        Hub hub = new Hub(c, codec, Clock.system(), hubListeners, new InProcessClusterBus(),
                PresencePolicy.always(c.presenceEnabled()));
        RoomcastServer server = new RoomcastServer(c, hub, codec, router, Optional.of(new FakeTokens()),
                RoomAuthorizer.allowAll(), Optional.empty(), connectionListeners, routes.apply(hub), Clock.system());
        return new ObservedServer(server.start());
    }

    RoomcastServer server() {
        return server;
    }

    Hub hub() {
        return server.hub();
    }

    int port() {
        return server.port();
    }

    /** Connects a JDK client as {@code subject} with {@code query} (e.g. {@code "?room=lobby"}) and extra headers. */
    TestClient connect(String subject, String query, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>(FakeTokens.bearer(subject));
        headers.putAll(extraHeaders);
        TestClient c = TestClient.connect(http, URI.create(server.webSocketUri() + query), headers);
        clients.add(c);
        return c;
    }

    TestClient connect(String subject, String query) {
        return connect(subject, query, Map.of());
    }

    /** A plain GET on the server, answered within 5 s. */
    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + path)).timeout(TestClient.WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(c -> c.socket().abort());
        }
        server.stop();
        http.close();
    }
}
