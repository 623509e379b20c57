package dev.roomcast.transport.undertow.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HttpResponse;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.Hub;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /_admin/broadcast[?room=R]}: an operator broadcast, authorized by its own bearer
 * secret. The body (at most {@code maxMessageBytes}; JSON, or else taken as a string) travels as one
 * {@code message} to the room, or to everyone without {@code room}. Answers 204 when the hub ran the
 * broadcast, 503 when it refused it as a whole.
 */
public final class AdminBroadcastHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(AdminBroadcastHandler.class);
    private static final long BROADCAST_WAIT_SECONDS = 10;

    private final Hub hub;
    private final EnvelopeCodec codec;
    private final BroadcastAuthorizer authorizer;
    private final long maxBodyBytes;
    private final Executor blocking;

    public AdminBroadcastHandler(Hub hub, EnvelopeCodec codec, BroadcastAuthorizer authorizer, long maxBodyBytes, Executor blocking) {
        this.hub = hub;
        this.codec = codec;
        this.authorizer = authorizer;
        this.maxBodyBytes = maxBodyBytes;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            HttpExchanges.reject(exchange, ErrorCode.METHOD_NOT_ALLOWED, Map.of("Allow", "POST"));
            return;
        }
        if (exchange.isInIoThread()) {
            exchange.dispatch(blocking, this::handleRequest);
            return;
        }
        Optional<String> credential = HttpExchanges.bearerCredential(exchange);
        if (credential.isEmpty() || !authorizer.mayBroadcast(credential.get())) {
            log.info("admin broadcast refused: bad credential from {}", HttpExchanges.clientAddress(exchange));
            HttpExchanges.reject(exchange, ErrorCode.UNAUTHORIZED, Map.of());
            return;
        }
        Optional<RoomName> room = Optional.empty();
        Deque<String> rooms = exchange.getQueryParameters().get("room");
        if (rooms != null && !rooms.isEmpty()) {
            Optional<RoomName> parsed = RoomName.parse(rooms.peekFirst());
            if (parsed.isEmpty() || rooms.size() > 1) {
                HttpExchanges.reject(exchange, ErrorCode.INVALID_ROOM, Map.of());
                return;
            }
            room = parsed;
        }
        long declared = exchange.getRequestContentLength();
        if (declared > maxBodyBytes) {
            HttpExchanges.reject(exchange, ErrorCode.PAYLOAD_TOO_LARGE, Map.of());
            return;
        }
        exchange.setMaxEntitySize(maxBodyBytes);
        Optional<RoomName> target = room;
        // A publisher may continue its trace through the hub to every recipient; a malformed value is ignored.
        Optional<String> traceparent = Optional.ofNullable(exchange.getRequestHeaders().getFirst("traceparent"))
                .filter(Envelope::isValidTraceparent);
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> ex.dispatch(blocking, () -> broadcast(ex, target, body, traceparent)),
                (ex, error) -> HttpExchanges.reject(ex, ErrorCode.PAYLOAD_TOO_LARGE, Map.of()));
    }

    private void broadcast(HttpServerExchange exchange, Optional<RoomName> room, byte[] body, Optional<String> traceparent) {
        String text = new String(body, StandardCharsets.UTF_8);
        JsonNode payload = codec.parseJson(text).orElseGet(() -> TextNode.valueOf(text));
        BroadcastResult result;
        try {
            result = room.isPresent()
                    ? hub.broadcastRoom(room.get(), Envelope.toRoom("message", room.get(), payload)
                                    .withTraceparent(traceparent), Optional.empty())
                            .get(BROADCAST_WAIT_SECONDS, TimeUnit.SECONDS)
                    : hub.broadcastAll(Envelope.of("message", payload).withTraceparent(traceparent), Optional.empty())
                            .get(BROADCAST_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("admin broadcast did not complete", e);
            HttpExchanges.reject(exchange, ErrorCode.SHUTTING_DOWN, Map.of());
            return;
        }
        if (result.rejected().isPresent()) {
            log.info("admin broadcast rejected by the hub: {}", result.rejected().get());
            HttpExchanges.write(exchange, HttpResponse.error(BroadcastResult.errorCodeOf(result.rejected().get()),
                    "the hub refused the broadcast (" + result.rejected().get() + ")"));
            return;
        }
        log.info("admin broadcast to {} reached {} of {} members", room.map(RoomName::value).orElse("everyone"),
                result.enqueued(), result.attempted());
        HttpExchanges.write(exchange, HttpResponse.empty(204));
    }
}
