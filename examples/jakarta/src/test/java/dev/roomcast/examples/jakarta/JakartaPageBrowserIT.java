package dev.roomcast.examples.jakarta;

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
 * The Jakarta example's page in headless Chromium (examples/browser-tests/tests/jakarta.test.mjs): two
 * browser contexts take development tokens from the application's servlet, connect to Roomcast's Jakarta
 * endpoint through the browser client, join lobby, see each other's presence and exchange messages;
 * after the application is restarted on the same port both reconnect, re-join and exchange messages
 * again. The application runs in this JVM in development mode, started as {@code main} starts it; the
 * script asks for the restart with {@code @@stop} / {@code @@start}. Screenshots: target/screenshots.
 */
class JakartaPageBrowserIT {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private volatile ServletApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    /**
     * A free loopback port, chosen before the start because the restart must come back on the same
     * port (the page's origin, which the application allows, includes it).
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private ServletApp start(int port) {
        return JakartaChat.start(new ConfigSources(Map.of("ROOMCAST_PORT", String.valueOf(port),
                        "ROOMCAST_SHUTDOWN_SECONDS", "1"), Map.of()),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(200)
    void twoTabsExchangeMessagesAndReconnectAndRejoinAfterARestartOnTheSamePort() throws IOException {
        assumeFalse(BrowserTests.skipped(), "-DskipBrowserTests=true");
        int port = freePort();
        app = start(port);

        BrowserTests.Result result = BrowserTests.run("jakarta.test.mjs", app.httpUri().toString(),
                Path.of("target", "screenshots"), Duration.ofSeconds(180), request -> switch (request) {
                    case "stop" -> {
                        app.shutdown(Duration.ofSeconds(1));
                        yield "stopped";
                    }
                    case "start" -> {
                        app = start(port);
                        yield "started";
                    }
                    default -> "unsupported";
                });

        assertThat(result.passed()).as(result.transcript()).isTrue();
        assertThat(Path.of("target", "screenshots", "jakarta-bob.png")).exists();
        assertThat(Path.of("target", "screenshots", "jakarta-reconnected.png")).exists();
    }
}
