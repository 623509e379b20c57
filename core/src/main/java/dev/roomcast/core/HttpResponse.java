package dev.roomcast.core;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/** The answer of an {@link HttpRoute}: status, content type, extra headers and body bytes. */
public record HttpResponse(int status, String contentType, Map<String, String> headers, byte[] body) {

    public HttpResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: expected 100..599 but was " + status);
        }
        Objects.requireNonNull(contentType, "contentType");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** A response with a text body in the given content type. */
    public static HttpResponse of(int status, String contentType, String body) {
        return new HttpResponse(status, contentType, Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON response. */
    public static HttpResponse json(int status, String json) {
        return of(status, "application/json", json);
    }

    /** A response with no body. */
    public static HttpResponse empty(int status) {
        return new HttpResponse(status, "text/plain", Map.of(), new byte[0]);
    }

    /** A copy with another status. */
    public HttpResponse withStatus(int newStatus) {
        return new HttpResponse(newStatus, contentType, headers, body);
    }

    /** The standard {@code {"error":{"code","message"}}} body for {@code code} with its safe message. */
    public static HttpResponse error(ErrorCode code) {
        return error(code, code.safeMessage());
    }

    /** The standard error body with a specific, client-safe message. */
    public static HttpResponse error(ErrorCode code, String safeMessage) {
        return json(code.httpStatus(), "{\"error\":{\"code\":\"" + code.name() + "\",\"message\":\""
                + Json.escape(safeMessage) + "\"}}");
    }
}
