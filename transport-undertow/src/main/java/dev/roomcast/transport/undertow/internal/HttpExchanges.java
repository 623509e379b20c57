package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.ParameterLimitException;
import io.undertow.util.URLUtils;
import io.undertow.util.UrlDecodeException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * Small shared chores on an Undertow exchange: writing the JSON error body of the upgrade contract and
 * route answers, and reading the bearer credential and the client's address the same way everywhere.
 */
public final class HttpExchanges {
    private static final HttpString CONTENT_TYPE = HttpString.tryFromString("Content-Type");

    private HttpExchanges() {
    }

    /** The credential of an {@code Authorization: Bearer …} header (scheme case-insensitive), if present and not blank. */
    public static Optional<String> bearerCredential(HttpServerExchange exchange) {
        return UpgradeRequestParser.bearerCredential(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
    }

    /**
     * Decodes the request path in place, which Undertow leaves encoded ({@code DECODE_URL} is off in
     * {@code RoomcastServer}): Undertow answers a malformed escape it decodes itself with an empty 400
     * before any handler runs, so the server decodes here and a malformed one gets the contract's JSON
     * {@code BAD_REQUEST}. The decoding is Undertow's own: UTF-8, {@code %2F} stays encoded. Returns
     * false when an escape is malformed. A path without {@code %} is left as it is. The query is left
     * for the handler: the upgrade's is decoded by {@link UpgradeRequestParser}, a route's by
     * {@link #decodingQuery}.
     */
    public static boolean decodePath(HttpServerExchange exchange) {
        String path = exchange.getRequestPath();
        if (path.indexOf('%') < 0) {
            return true;
        }
        try {
            String decoded = URLUtils.decode(path, "UTF-8", false, false, new StringBuilder());
            exchange.setRequestPath(decoded);
            exchange.setRelativePath(decoded);
            return true;
        } catch (UrlDecodeException e) {
            return false;
        }
    }

    /**
     * {@code next} behind query decoding: the query parameters, which Undertow leaves encoded, are
     * decoded as Undertow would (UTF-8, {@code +} is a space), and a malformed escape is answered with
     * the JSON {@code BAD_REQUEST} before {@code next} runs.
     */
    public static HttpHandler decodingQuery(HttpHandler next) {
        return exchange -> {
            String query = exchange.getQueryString();
            if (query.indexOf('%') >= 0 || query.indexOf('+') >= 0) {
                exchange.getQueryParameters().clear();
                try {
                    URLUtils.parseQueryString(query, exchange, "UTF-8", true, UndertowOptions.DEFAULT_MAX_PARAMETERS);
                } catch (UrlDecodeException | ParameterLimitException e) {
                    reject(exchange, ErrorCode.BAD_REQUEST, Map.of());
                    return;
                }
            }
            next.handleRequest(exchange);
        };
    }

    /** The client's IP address as text, or {@code unknown}. */
    public static String clientAddress(HttpServerExchange exchange) {
        InetSocketAddress address = exchange.getSourceAddress();
        return address == null || address.getAddress() == null ? "unknown" : address.getAddress().getHostAddress();
    }

    /** Answers {@code code} with its status and {@code {"error":{"code","message"}}} body, plus extra headers. */
    public static void reject(HttpServerExchange exchange, ErrorCode code, Map<String, String> headers) {
        HttpResponse response = HttpResponse.error(code);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            exchange.getResponseHeaders().put(HttpString.tryFromString(h.getKey()), h.getValue());
        }
        write(exchange, response);
    }

    /** Writes a route's response and ends the exchange. */
    public static void write(HttpServerExchange exchange, HttpResponse response) {
        exchange.setStatusCode(response.status());
        exchange.getResponseHeaders().put(CONTENT_TYPE, response.contentType());
        for (Map.Entry<String, String> h : response.headers().entrySet()) {
            exchange.getResponseHeaders().put(HttpString.tryFromString(h.getKey()), h.getValue());
        }
        if (response.body().length == 0) {
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(ByteBuffer.wrap(response.body()));
        }
    }
}
