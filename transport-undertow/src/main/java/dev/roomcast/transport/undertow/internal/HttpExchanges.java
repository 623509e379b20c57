package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.util.Map;

/** Writes plain responses on an Undertow exchange: the JSON error body of the upgrade contract and route answers. */
public final class HttpExchanges {
    private static final HttpString CONTENT_TYPE = HttpString.tryFromString("Content-Type");

    private HttpExchanges() {
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
