package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpRequest;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.HttpRoute;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one {@link HttpRoute} from another module: reads the body (bounded), converts the exchange
 * into a plain {@link HttpRequest} on a virtual thread, and writes the route's {@link HttpResponse}.
 * A failing route answers 500 with a generic body; its exception is only logged.
 */
public final class RouteHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(RouteHandler.class);

    private final HttpRoute route;
    private final long maxBodyBytes;
    private final Executor blocking;

    public RouteHandler(HttpRoute route, long maxBodyBytes, Executor blocking) {
        this.route = route;
        this.maxBodyBytes = maxBodyBytes;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().toString().equals(route.method())) {
            HttpExchanges.reject(exchange, ErrorCode.METHOD_NOT_ALLOWED, Map.of("Allow", route.method()));
            return;
        }
        if (exchange.getRequestContentLength() > maxBodyBytes) {
            HttpExchanges.reject(exchange, ErrorCode.PAYLOAD_TOO_LARGE, Map.of());
            return;
        }
        exchange.setMaxEntitySize(maxBodyBytes);
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.dispatch(blocking, () -> answer(ex, body)),
                (ex, error) -> HttpExchanges.reject(ex, ErrorCode.PAYLOAD_TOO_LARGE, Map.of()));
    }

    private void answer(HttpServerExchange exchange, byte[] body) {
        Map<String, List<String>> query = new HashMap<>();
        for (Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet()) {
            query.put(e.getKey(), List.copyOf(e.getValue()));
        }
        Map<String, List<String>> headers = new HashMap<>();
        for (HeaderValues values : exchange.getRequestHeaders()) {
            headers.put(values.getHeaderName().toString().toLowerCase(Locale.ROOT), new ArrayList<>(values));
        }
        String address = HttpExchanges.clientAddress(exchange);
        HttpResponse response;
        try {
            response = route.handler().handle(new HttpRequest(route.method(), exchange.getRequestPath(), query, headers,
                    body, address));
        } catch (Exception e) {
            log.error("route {} {} failed", route.method(), route.path(), e);
            response = HttpResponse.error(ErrorCode.INTERNAL);
        }
        HttpExchanges.write(exchange, response);
    }
}
