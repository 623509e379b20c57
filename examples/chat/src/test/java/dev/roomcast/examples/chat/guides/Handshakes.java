package dev.roomcast.examples.chat.guides;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Upgrade attempts over a raw socket, so a test can read the status and the JSON body of a refusal. */
final class Handshakes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Handshakes() {
    }

    /** What the server answered to one upgrade request. */
    record Answer(int status, String code, String body) {
    }

    /** Sends a valid upgrade for {@code target} (e.g. {@code /ws?room=lobby}) with {@code headers} and closes the socket. */
    static Answer upgrade(int port, String target, Map<String, String> headers) {
        try (RawWebSocket raw = RawWebSocket.open(port)) {
            RawWebSocket.Response response = raw.upgrade(target, headers);
            return new Answer(response.status(), errorCode(response.body()), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code error.code} of a JSON error body, or "" when there is none. */
    static String errorCode(String body) {
        if (body == null || body.isEmpty()) {
            return "";
        }
        try {
            JsonNode error = JSON.readTree(body).path("error");
            return error.path("code").asText("");
        } catch (IOException e) {
            return "";
        }
    }
}
