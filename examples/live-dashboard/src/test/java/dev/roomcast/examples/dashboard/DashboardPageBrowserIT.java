package dev.roomcast.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.roomcast.core.ConfigSources;
import dev.roomcast.examples.browsertests.BrowserTests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard page in headless Chromium (examples/browser-tests/tests/dashboard.test.mjs): two browser
 * contexts join feed and alerts through the browser client and see ticks arrive, a publish from a page
 * is refused, and after a server restart on the same port both pages reconnect, re-join and receive
 * ticks again. The dashboard runs in this JVM as {@code main} starts it; the script asks for the restart
 * with {@code @@stop} / {@code @@start}. Screenshots: target/screenshots.
 */
class DashboardPageBrowserIT {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private volatile DashboardServer dashboard;

    @AfterEach
    void stop() {
        if (dashboard != null) {
            dashboard.stop();
        }
    }

    /**
     * A free loopback port, chosen before the start because the page's origin (which the dashboard allows
     * by default) includes it, and because the restart must come back on the same port.
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private DashboardServer start(int port) {
        return DashboardServer.start(new ConfigSources(Map.of("ROOMCAST_PORT", String.valueOf(port),
                        "ROOMCAST_SHUTDOWN_SECONDS", "2"), Map.of()),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(200)
    void twoPagesSeeTicksAndReconnectAndRejoinAfterARestartOnTheSamePort() throws IOException {
        assumeFalse(BrowserTests.skipped(), "-DskipBrowserTests=true");
        int port = freePort();
        dashboard = start(port);

        BrowserTests.Result result = BrowserTests.run("dashboard.test.mjs", dashboard.server().httpUri().toString(),
                Path.of("target", "screenshots"), Duration.ofSeconds(180), request -> switch (request) {
                    case "stop" -> {
                        dashboard.shutdown(Duration.ofSeconds(2));
                        yield "stopped";
                    }
                    case "start" -> {
                        dashboard = start(port);
                        yield "started";
                    }
                    default -> "unsupported";
                });

        assertThat(result.passed()).as(result.transcript()).isTrue();
        assertThat(Path.of("target", "screenshots", "dashboard-reconnecting.png")).exists();
        assertThat(Path.of("target", "screenshots", "dashboard-reconnected.png")).exists();
    }
}
