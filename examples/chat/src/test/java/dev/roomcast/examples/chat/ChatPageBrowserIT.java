package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.roomcast.core.ConfigSources;
import dev.roomcast.examples.browsertests.BrowserTests;
import dev.roomcast.transport.undertow.RoomcastServer;
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
 * The chat page in headless Chromium (examples/browser-tests/tests/chat.test.mjs): two browser contexts
 * sign in with development tokens, see each other's presence, typing and messages, and survive a server
 * restart on the same port. The chat runs in this JVM in development mode (no token secret); the
 * script asks for the restart with {@code @@stop} / {@code @@start}. Screenshots: target/screenshots.
 */
class ChatPageBrowserIT {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private volatile RoomcastServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    /**
     * A free loopback port, chosen before the start because the page's origin (which the server must
     * allow) includes it, and because the restart must come back on the same port.
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private RoomcastServer start(int port) {
        return ChatServer.start(new ConfigSources(Map.of("ROOMCAST_PORT", String.valueOf(port),
                        "ROOMCAST_SHUTDOWN_SECONDS", "2"), Map.of()),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(200)
    void twoTabsChatSeePresenceAndReconnectAfterARestartOnTheSamePort() throws IOException {
        assumeFalse(BrowserTests.skipped(), "-DskipBrowserTests=true");
        int port = freePort();
        server = start(port);

        BrowserTests.Result result = BrowserTests.run("chat.test.mjs", server.httpUri().toString(),
                Path.of("target", "screenshots"), Duration.ofSeconds(180), request -> switch (request) {
                    case "stop" -> {
                        server.shutdown(Duration.ofSeconds(2));
                        yield "stopped";
                    }
                    case "start" -> {
                        server = start(port);
                        yield "started";
                    }
                    default -> "unsupported";
                });

        assertThat(result.passed()).as(result.transcript()).isTrue();
        assertThat(Path.of("target", "screenshots", "chat-reconnecting.png")).exists();
    }
}
