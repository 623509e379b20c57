package dev.roomcast.examples.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.roomcast.core.ConfigSources;
import dev.roomcast.examples.browsertests.BrowserTests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
 * endpoint through the page's own origin, join lobby and exchange messages. The application runs in this
 * JVM in development mode, started as {@code main} starts it. Screenshots: target/screenshots.
 */
class JakartaPageBrowserIT {
    private ServletApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    @Timeout(120)
    void twoTabsExchangeMessagesThroughTheJakartaEndpoint() {
        assumeFalse(BrowserTests.skipped(), "-DskipBrowserTests=true");
        app = JakartaChat.start(new ConfigSources(Map.of("ROOMCAST_PORT", "0", "ROOMCAST_SHUTDOWN_SECONDS", "1"), Map.of()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        BrowserTests.Result result = BrowserTests.run("jakarta.test.mjs", app.httpUri().toString(),
                Path.of("target", "screenshots"), Duration.ofSeconds(90));

        assertThat(result.passed()).as(result.transcript()).isTrue();
        assertThat(Path.of("target", "screenshots", "jakarta-bob.png")).exists();
    }
}
