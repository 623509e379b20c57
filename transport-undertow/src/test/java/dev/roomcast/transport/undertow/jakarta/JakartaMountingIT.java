package dev.roomcast.transport.undertow.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import io.undertow.Undertow;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.FilterInfo;
import io.undertow.servlet.api.ListenerInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import io.undertow.websockets.jsr.WebSocketDeploymentInfo;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the adapter behaves when an application mounts it wrongly or a handshake does not finish, in a
 * real Undertow servlet deployment: nothing it reserved outlives a handshake that never completes, and
 * a session that skipped the upgrade filter never reaches the hub.
 */
@Timeout(30)
class JakartaMountingIT {
    private final RecordingListener listener = new RecordingListener();
    private Undertow undertow;
    private DeploymentManager deployment;
    private RoomcastJakarta roomcast;

    @AfterEach
    void stop() throws Exception {
        if (roomcast != null) {
            roomcast.stop();
        }
        if (deployment != null) {
            deployment.stop();
            deployment.undeploy();
        }
        if (undertow != null) {
            undertow.stop();
        }
    }

    /** Starts Undertow, then a deployment that {@code mount} fills in with the adapter. */
    private int start(Consumer<DeploymentInfo> mount) throws Exception {
        RoomcastConfig config = RoomcastConfig.builder().host("127.0.0.1").port(0).build();
        Hub hub = Hub.create(config, new EnvelopeCodec(config.maxMessageBytes()), Clock.system());
        RoomAuthorizer open = request -> RoomDecision.allowed();
        roomcast = new RoomcastJakarta(config, hub, new EnvelopeCodec(config.maxMessageBytes()), EventRouter.empty(),
                Optional.of(new FakeTokens()), InboundRatePolicy.uniform(config), open, List.of(listener), Clock.system());
        // The WebSocket container needs the server's worker, so the server starts first and gets the
        // deployment's handler once it is deployed.
        AtomicReference<HttpHandler> handler = new AtomicReference<>();
        undertow = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> handler.get().handleRequest(exchange)).build();
        undertow.start();
        DeploymentInfo app = Servlets.deployment().setClassLoader(getClass().getClassLoader()).setContextPath("/")
                .setDeploymentName("mounting")
                .addServletContextAttribute(WebSocketDeploymentInfo.ATTRIBUTE_NAME, new WebSocketDeploymentInfo()
                        .setWorker(undertow.getWorker()).setBuffers(new DefaultByteBufferPool(true, 8192)));
        mount.accept(app);
        deployment = Servlets.defaultContainer().addDeployment(app);
        deployment.deploy();
        handler.set(deployment.start());
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Test
    void theServletContextListenerMountsFilterAndEndpoint() throws Exception {
        int port = start(app -> app.addListener(new ListenerInfo(ServletContextListener.class,
                new ImmediateInstanceFactory<>(roomcast.servletContextListener()))));

        try (RawWebSocket ws = RawWebSocket.connect(port, "/ws?room=lobby", "alice")) {
            assertThat(ws.readUntil(RawWebSocket.OP_TEXT).text()).contains("\"type\":\"joined\"");
            listener.await(RecordingListener.Opened.class);
        }
        assertThat(listener.awaitClosed().peer().identity().subject()).isEqualTo("alice");
        await().atMost(Duration.ofSeconds(5)).until(() -> roomcast.hub().activeConnectionCount() == 0);
    }

    @Test
    void aSessionThatSkippedTheUpgradeFilterIsClosedWith1008AndNeverReachesTheHub() throws Exception {
        int port = start(app -> ((WebSocketDeploymentInfo) app.getServletContextAttributes()
                .get(WebSocketDeploymentInfo.ATTRIBUTE_NAME)).addEndpoint(roomcast.endpointConfig()));

        try (RawWebSocket ws = RawWebSocket.open(port)) {
            assertThat(ws.upgrade("/ws?room=lobby", FakeTokens.bearer("mallory")).status()).isEqualTo(101);

            assertThat(ws.awaitCloseCode()).isEqualTo(1008);
        }
        assertThat(roomcast.hub().activeConnectionCount()).isZero();
        assertThat(listener.historyOf(RecordingListener.Opened.class)).isEmpty();
    }

    @Test
    void aReservationWhoseHandshakeTheContainerDoesNotCompleteIsReleased() throws Exception {
        // The filter is also mapped where no endpoint listens: it admits, then the container answers 404.
        int port = start(app -> {
            app.addFilter(new FilterInfo("roomcast", Filter.class, new ImmediateInstanceFactory<>(roomcast.upgradeFilter())))
                    .addFilterUrlMapping("roomcast", "/nowhere", DispatcherType.REQUEST);
            ((WebSocketDeploymentInfo) app.getServletContextAttributes().get(WebSocketDeploymentInfo.ATTRIBUTE_NAME))
                    .addEndpoint(roomcast.endpointConfig());
        });

        try (RawWebSocket ws = RawWebSocket.open(port)) {
            assertThat(ws.upgrade("/nowhere?room=lobby", FakeTokens.bearer("alice")).status()).isEqualTo(404);
        }

        RecordingListener.Closed closed = listener.awaitClosed();
        assertThat(closed.code()).isEqualTo(1001);
        assertThat(closed.reason()).isEqualTo("handshake refused by the container");
        assertThat(roomcast.hub().activeConnectionCount()).isZero();
    }

    @Test
    void closedConnectionsLeaveNoTimerTaskBehind() throws Exception {
        int port = start(app -> app.addListener(new ListenerInfo(ServletContextListener.class,
                new ImmediateInstanceFactory<>(roomcast.servletContextListener()))));

        for (int i = 0; i < 20; i++) {
            try (RawWebSocket ws = RawWebSocket.connect(port, "/ws?room=lobby", "user-" + i)) {
                ws.readUntil(RawWebSocket.OP_TEXT);
                ws.sendClose(1000);
                assertThat(ws.awaitCloseCode()).isEqualTo(1000);
            }
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> roomcast.hub().activeConnectionCount() == 0);
        assertThat(listener.historyOf(RecordingListener.Closed.class)).hasSize(20);
        assertThat(roomcast.timerTasks()).as("heartbeats and upgrade timeouts left on the timer").isZero();
    }
}
