package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.sun.net.httpserver.HttpServer;
import dev.roomcast.core.ConfigSources;
import dev.roomcast.examples.browsertests.BrowserTests;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The browser client's Node tests ({@code clients/browser/test}, run with {@code node --test} and the
 * {@code ws} package) against the real chat server in this JVM, in development mode so the tests get
 * tokens from {@code POST /dev/token}. A loopback control server ({@code POST /stop}, {@code /start})
 * lets the restart test stop the chat and start it again on the same port.
 */
class BrowserClientNodeIT {
    private static final String VIP_PASSWORD = "vip-password-for-node-tests";
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private volatile RoomcastServer server;
    private HttpServer control;

    @AfterEach
    void stop() {
        if (control != null) {
            control.stop(0);
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private RoomcastServer start(int port) {
        return ChatServer.start(new ConfigSources(Map.of("ROOMCAST_PORT", String.valueOf(port),
                        "ROOMCAST_SHUTDOWN_SECONDS", "2", "ROOMCAST_VIP_PASSWORD", VIP_PASSWORD,
                        "ROOMCAST_HISTORY_ROOMS", "t-history"), Map.of()),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private void startControl(int chatPort) throws IOException {
        control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        control.createContext("/stop", exchange -> {
            server.shutdown(Duration.ofSeconds(2));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.createContext("/start", exchange -> {
            server = start(chatPort);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        control.start();
    }

    @Test
    @Timeout(150)
    void theBrowserClientPassesItsNodeTestsAgainstTheRealServer() throws IOException {
        assumeFalse(BrowserTests.skipped(), "-DskipBrowserTests=true");
        int port = freePort();
        server = start(port);
        startControl(port);
        Path clientDir = BrowserTests.repositoryRoot().resolve("clients").resolve("browser");

        BrowserTests.Result result = withEnvironment(clientDir, Map.of(
                "ROOMCAST_BASE_URL", server.httpUri().toString(),
                "ROOMCAST_CONTROL_URL", "http://127.0.0.1:" + control.getAddress().getPort(),
                "ROOMCAST_VIP_PASSWORD", VIP_PASSWORD));

        assertThat(result.passed()).as(result.transcript()).isTrue();
        assertThat(result.transcript()).contains("# fail 0").contains("# skipped 0");
    }

    private static BrowserTests.Result withEnvironment(Path clientDir, Map<String, String> env) {
        return BrowserTests.runNode(clientDir, List.of("--test", "--test-timeout=30000", "--test-reporter=tap", "test/"), Duration.ofSeconds(120),
                request -> "unsupported", env);
    }
}
