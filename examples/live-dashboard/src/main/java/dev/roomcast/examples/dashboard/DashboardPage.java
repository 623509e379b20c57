package dev.roomcast.examples.dashboard;

import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's browser page, served from the jar through core's {@link HttpRoute} (so the page
 * needs no web server of its own and no Undertow type outside the transport): {@code GET /} (the
 * page), {@code GET /dashboard.js} (its script) and {@code GET /roomcast-client.js} (the browser
 * client, copied into the jar from {@code clients/browser} at build time, so there is one source).
 * The page joins the {@code feed} and {@code alerts} rooms through the client, which re-joins them
 * after every reconnect, and shows the live values and the alerts.
 */
public final class DashboardPage {
    /** Where the page is served. */
    public static final String PATH = "/";
    private static final String RESOURCES = "/dev/roomcast/examples/dashboard/page/";

    private final byte[] html;
    private final byte[] script;
    private final byte[] client;

    /** Reads the page's files from the jar once; fails at start-up, not per request, if one is missing. */
    public DashboardPage() {
        this.html = resource(RESOURCES + "index.html");
        this.script = resource(RESOURCES + "dashboard.js");
        this.client = resource(RESOURCES + "roomcast-client.js");
    }

    /** The routes that serve the page, its script and the browser client. */
    public List<HttpRoute> routes() {
        // snippet:dashboard-page-route
        return List.of(
                file(PATH, "text/html; charset=utf-8", html),
                file("/dashboard.js", "text/javascript; charset=utf-8", script),
                file("/roomcast-client.js", "text/javascript; charset=utf-8", client));
        // end-snippet
    }

    private static HttpRoute file(String path, String contentType, byte[] body) {
        HttpResponse response = new HttpResponse(200, contentType,
                Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff"), body);
        return HttpRoute.get(path, request -> response);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar (is it built by Maven?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }
}
