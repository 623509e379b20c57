package dev.roomcast.transport.undertow.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import io.undertow.Undertow;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ListenerInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import io.undertow.websockets.jsr.WebSocketDeploymentInfo;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the Jakarta adapter does with a client's close code, over a raw socket to a real Undertow
 * servlet deployment. Unlike the native transport, the close frame is read by the container's own
 * channel (the JSR container builds its handshake itself; Roomcast cannot give it
 * {@code StrictWebSocketChannel}), so Undertow's rule applies: the IANA-registered 1012-1014 fail
 * the connection with 1002. The docs pages {@code reference/conformance.md} and
 * {@code examples/jakarta.mdx} state this; if Undertow changes its rule, these cases say so.
 */
@Timeout(30)
class JakartaCloseCodesIT {
    private static Undertow undertow;
    private static DeploymentManager deployment;
    private static RoomcastJakarta roomcast;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        RoomcastConfig config = RoomcastConfig.builder().host("127.0.0.1").port(0).presenceEnabled(false).build();
        Hub hub = Hub.create(config, new EnvelopeCodec(config.maxMessageBytes()), Clock.system());
        roomcast = new RoomcastJakarta(config, hub, new EnvelopeCodec(config.maxMessageBytes()), EventRouter.empty(),
                Optional.of(new FakeTokens()), InboundRatePolicy.uniform(config), request -> RoomDecision.allowed(),
                List.of(), Clock.system());
        // the WebSocket container needs the server's worker, so the server starts first
        AtomicReference<HttpHandler> handler = new AtomicReference<>();
        undertow = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> handler.get().handleRequest(exchange)).build();
        undertow.start();
        DeploymentInfo app = Servlets.deployment().setClassLoader(JakartaCloseCodesIT.class.getClassLoader())
                .setContextPath("/").setDeploymentName("close-codes")
                .addServletContextAttribute(WebSocketDeploymentInfo.ATTRIBUTE_NAME, new WebSocketDeploymentInfo()
                        .setWorker(undertow.getWorker()).setBuffers(new DefaultByteBufferPool(true, 8192)))
                .addListener(new ListenerInfo(ServletContextListener.class,
                        new ImmediateInstanceFactory<>(roomcast.servletContextListener())));
        deployment = Servlets.defaultContainer().addDeployment(app);
        deployment.deploy();
        handler.set(deployment.start());
        port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        roomcast.stop();
        deployment.stop(); // before Undertow.stop(), or shutdown hangs
        deployment.undeploy();
        undertow.stop();
    }

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {1000, 1001, 1011, 3000, 4999})
    void aCloseWithAnRfcCodeIsEchoed(int code) throws IOException {
        assertThat(closeAnswerTo(code)).isEqualTo(code);
    }

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {1012, 1013, 1014})
    void theIanaRegisteredCodes1012To1014AreStillRefusedWith1002ByTheContainer(int code) throws IOException {
        assertThat(closeAnswerTo(code)).isEqualTo(1002);
    }

    @Test
    void aCloseWithAReservedCodeIsRefusedWith1002() throws IOException {
        assertThat(closeAnswerTo(1005)).isEqualTo(1002);
    }

    /** Joins a room, sends a close with {@code code}, and returns the code of the server's close. */
    private static int closeAnswerTo(int code) throws IOException {
        try (RawWebSocket ws = RawWebSocket.connect(port, "/ws?room=lobby", "alice")) {
            assertThat(ws.readUntil(RawWebSocket.OP_TEXT).text()).contains("\"type\":\"joined\"");
            ws.sendClose(code);
            return ws.awaitCloseCode();
        }
    }
}
