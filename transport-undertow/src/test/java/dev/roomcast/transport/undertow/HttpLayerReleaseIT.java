package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * After the upgrade, Undertow's HTTP connection object (parser state, the upgrade's header values
 * with the bearer token, response conduits) is let go, so an idle WebSocket does not keep it for
 * its whole life; the WebSocket works and cleans up exactly as before. Counted with a class
 * histogram of this JVM, taken after a full GC.
 */
@Timeout(60)
class HttpLayerReleaseIT {
    private static final int CLIENTS = 40;
    private static final String HTTP_CONNECTION = "io.undertow.server.protocol.http.HttpServerConnection";

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(RoomcastConfig.builder().presenceEnabled(false).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void upgradedConnectionsKeepNoHttpConnectionAndStillWorkAndCleanUp() throws Exception {
        int before = liveInstances(HTTP_CONNECTION);
        List<TestClient> clients = server.connectMany(CLIENTS, 8, i -> "user" + i, i -> "?room=lobby");
        clients.forEach(c -> c.awaitType("joined"));

        assertThat(liveInstances(HTTP_CONNECTION)).as("HTTP connections kept by %d open WebSockets", CLIENTS)
                .isLessThan(before + CLIENTS / 4);

        clients.get(0).sendJson(Map.of("type", "publish", "room", "lobby", "payload", Map.of("text", "still here")));
        for (TestClient c : clients) {
            assertThat(c.awaitType("message").path("payload").path("text").asText()).isEqualTo("still here");
        }
        clients.forEach(TestClient::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.hub().activeConnectionCount() == 0
                && server.hub().roomCount(RoomName.of("lobby")) == 0);
    }

    /** Live instances of {@code className} after a full GC, from the JVM's own class histogram. */
    private static int liveInstances(String className) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Matcher m = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+" + Pattern.quote(className) + "\\s*$",
                Pattern.MULTILINE).matcher(histogram);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
