package dev.roomcast.examples.dashboard;

import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's browser page, served from the jar at {@code /} through core's {@link HttpRoute}
 * (so the page needs no web server of its own and no Undertow type outside the transport). The page
 * joins the {@code feed} and {@code alerts} rooms and shows the live values.
 */
public final class DashboardPage {
    /** Where the page is served. */
    public static final String PATH = "/";
    private static final String RESOURCE = "/dev/roomcast/examples/dashboard/index.html";

    private final byte[] html;

    /** Reads the page from the jar once; fails at start-up, not per request, if it is missing. */
    public DashboardPage() {
        this.html = resource(RESOURCE);
    }

    /** The routes that serve the page. */
    public List<HttpRoute> routes() {
        // snippet:dashboard-page-route
        HttpResponse page = new HttpResponse(200, "text/html; charset=utf-8",
                Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff"), html);
        return List.of(HttpRoute.get(PATH, request -> page));
        // end-snippet
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }
}
