package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
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
        return UpgradeGate.bearerCredential(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
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
