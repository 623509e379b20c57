package dev.roomcast.examples.jakarta;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The application's own page: the chat page at {@code /}, its script at {@code /chat.js} and the
 * browser client at {@code /roomcast-client.js} (copied into the jar from {@code clients/browser} at
 * build time, so there is one source); any other path is a 404.
 */
public final class PageServlet extends HttpServlet {
    /** Path → (resource in the jar, content type). */
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"/page/index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"/page/index.html", "text/html; charset=utf-8"},
            "/chat.js", new String[] {"/page/chat.js", "text/javascript; charset=utf-8"},
            "/roomcast-client.js", new String[] {"/page/roomcast-client.js", "text/javascript; charset=utf-8"});

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        String[] file = FILES.get(path);
        if (file == null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (InputStream body = PageServlet.class.getResourceAsStream(file[0])) {
            if (body == null) {
                response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                return;
            }
            response.setContentType(file[1]);
            response.setHeader("Cache-Control", "no-store");
            response.setHeader("X-Content-Type-Options", "nosniff");
            body.transferTo(response.getOutputStream());
        }
    }
}
