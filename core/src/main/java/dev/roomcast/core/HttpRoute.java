package dev.roomcast.core;

import java.util.Objects;

/**
 * Port: a plain HTTP route that the transport mounts beside the WebSocket path, so modules such as
 * observability can serve {@code /metrics} or {@code /health} without seeing the transport. The
 * handler runs on a worker thread and may block briefly.
 *
 * @param method  {@code GET} or {@code POST}
 * @param path    the exact path, e.g. {@code /health}
 * @param handler what answers it
 */
public record HttpRoute(String method, String path, Handler handler) {

    /** Answers one request. Exceptions become a 500 with a generic body (the message is only logged). */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request) throws Exception;
    }

    public HttpRoute {
        if (!"GET".equals(method) && !"POST".equals(method)) {
            throw new IllegalArgumentException("method: expected GET or POST but was " + method);
        }
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path: expected an absolute path but was " + path);
        }
        Objects.requireNonNull(handler, "handler");
    }

    /** A GET route. */
    public static HttpRoute get(String path, Handler handler) {
        return new HttpRoute("GET", path, handler);
    }

    /** A POST route. */
    public static HttpRoute post(String path, Handler handler) {
        return new HttpRoute("POST", path, handler);
    }
}
