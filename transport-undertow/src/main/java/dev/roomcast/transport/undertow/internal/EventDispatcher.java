package dev.roomcast.transport.undertow.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseConnection;
import dev.roomcast.core.CloseReason;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventContext;
import dev.roomcast.core.EventRecord;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomAccess;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastException;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.StreamPosition;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to an inbound message once it is whole text, for both transports: decode
 * ({@link InboundMessages#decode}), the explicit dispatch by {@code type} ({@link InboundMessages#route}:
 * {@code join}, {@code leave}, {@code publish}, {@code ping}, else the application's router), the
 * listeners' events before and after, and the outcome: a reply, an {@code error} event for a refusal
 * (the connection stays open), a close for {@link CloseConnection}, 1011 for a handler that failed.
 * The native {@code Connection} and the Jakarta connection each keep their own lifecycle (reading,
 * the inbox, the writer, closing) and call this for every message, so an event means the same on both.
 *
 * <p>One per server, shared by its connections; it holds no per-connection state and no Undertow or
 * servlet type. It runs on the thread that calls it (a connection's reader, or the native I/O thread
 * for a publish handled on arrival); a handler may block that thread. Thread-safe.
 */
public final class EventDispatcher {
    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

    private final Hub hub;
    private final EnvelopeCodec codec;
    private final EventRouter router;
    private final RoomAuthorizer roomAuthorizer;
    private final List<ConnectionListener> listeners;
    private final Clock clock;

    public EventDispatcher(Hub hub, EnvelopeCodec codec, EventRouter router, RoomAuthorizer roomAuthorizer,
                           List<ConnectionListener> listeners, Clock clock) {
        this.hub = hub;
        this.codec = codec;
        this.router = router;
        this.roomAuthorizer = roomAuthorizer;
        this.listeners = List.copyOf(listeners);
        this.clock = clock;
    }

    /** The connection a message arrived on, as the dispatcher needs it beyond being the hub's {@link Peer}. */
    public interface Source extends Peer {
        /** The client's address, for room authorization. */
        String clientAddress();

        /**
         * Sends an {@code error} event. The native connection hands it to its reader when called on an
         * I/O thread, which must never wait for queue space; the Jakarta connection sends it at once.
         */
        void sendError(Frame error);
    }

    /** Decodes one message's text and dispatches it; a message that does not decode is answered with an {@code error} event. */
    public void decodeAndDispatch(Source connection, String text) {
        Envelope envelope;
        switch (InboundMessages.decode(text, codec)) {
            case InboundMessages.Reply failed -> {
                forEachListener(l -> l.onMessageRejected(connection, failed.code()));
                if (!listeners.isEmpty()) {
                    long bytes = EnvelopeCodec.utf8Length(text);
                    forEachListener(l -> l.onDecodeFailed(connection, failed.code(), bytes));
                }
                replyError(connection, failed.code(), failed.message(), failed.id());
                return;
            }
            case InboundMessages.Dispatch decoded -> envelope = decoded.envelope();
        }
        dispatch(connection, envelope, text);
    }

    /** Dispatches one decoded message explicitly by type, telling the listeners before and after. */
    public void dispatch(Source connection, Envelope envelope, String text) {
        forEachListener(l -> l.onMessageReceived(connection, envelope.type(), text.length()));
        Instant started = clock.now();
        // the trace context that what this event broadcasts carries; it lives as long as the event
        Optional<String> traceparent = eventStarted(connection, envelope);
        EventRecord.Outcome outcome = EventRecord.Outcome.FAILED;
        Optional<ErrorCode> error = Optional.empty();
        try {
            switch (InboundMessages.route(envelope)) {
                case InboundMessages.Route.Join join -> onJoin(connection, envelope, join);
                case InboundMessages.Route.Leave leave -> onLeave(connection, envelope, leave.room());
                case InboundMessages.Route.Publish publish -> onPublish(connection, envelope, publish.room(), traceparent);
                case InboundMessages.Route.Ping ping -> reply(connection, envelope, "pong", null);
                case InboundMessages.Route.Application application -> onApplicationEvent(connection, envelope, traceparent);
                case InboundMessages.Route.Refused refused -> throw new RoomcastException(refused.code(), refused.detail());
            }
            outcome = EventRecord.Outcome.HANDLED;
        } catch (RoomcastException e) {
            outcome = EventRecord.Outcome.REJECTED;
            error = Optional.of(e.code());
            forEachListener(l -> l.onMessageRejected(connection, e.code()));
            replyError(connection, e.code(), e.code().safeMessage(), envelope.id());
        } catch (CloseConnection e) {
            outcome = EventRecord.Outcome.CLOSED;
            connection.close(e.closeReason());
        } catch (Exception e) {
            log.error("handler for event type '{}' failed on connection {}; closing with 1011", envelope.type(),
                    connection.id(), e);
            connection.close(CloseReason.of(CloseCode.INTERNAL_ERROR, "internal error"));
        } finally {
            eventHandled(connection, envelope, text, started, outcome, error);
        }
    }

    /**
     * Tells the listeners an event starts; returns the trace context its broadcasts carry: the span a
     * listener opened for it, else the envelope's own, so a trace continues even without a tracer.
     */
    private Optional<String> eventStarted(Source connection, Envelope envelope) {
        Optional<String> trace = envelope.traceparent();
        boolean fromListener = false;
        for (ConnectionListener l : listeners) {
            try {
                Optional<String> span = l.onEventStarted(connection, envelope);
                if (!fromListener && span != null && span.filter(Envelope::isValidTraceparent).isPresent()) {
                    trace = span;
                    fromListener = true;
                }
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
        return trace;
    }

    private void eventHandled(Source connection, Envelope envelope, String text, Instant started,
                              EventRecord.Outcome outcome, Optional<ErrorCode> error) {
        if (listeners.isEmpty()) {
            return;
        }
        EventRecord record = new EventRecord(envelope.type(), envelope.room(), EnvelopeCodec.utf8Length(text), started,
                clock.now(), outcome, error, envelope.traceparent());
        forEachListener(l -> l.onEventHandled(connection, record));
    }

    private void onJoin(Source connection, Envelope envelope, InboundMessages.Route.Join join) {
        RoomName room = join.room();
        RoomDecision decision = roomAuthorizer.authorize(
                new RoomAccessRequest(connection.identity(), room, join.password(), connection.clientAddress()));
        if (decision instanceof RoomDecision.Denied denied) {
            forEachListener(l -> l.onRoomAccessDenied(room, denied.code()));
            log.info("connection {} refused room {}: {}", connection.id(), room, denied.reason());
            throw new RoomcastException(denied.code(), "room refused");
        }
        RoomAccess access = ((RoomDecision.Allowed) decision).access(); // sealed: not Denied, so Allowed
        // A reconnecting client's last position in a room with a history: what it missed comes after the reply.
        Optional<StreamPosition> since = StreamPosition.sinceOf(envelope.payload());
        if (hub.tryJoin(connection, room.value(), envelope.id(), access, since) instanceof JoinResult.Refused refused) {
            throw new RoomcastException(refused.code(), "join refused: " + refused.reason());
        }
    }

    private void onLeave(Source connection, Envelope envelope, RoomName room) {
        if (!hub.leave(connection, room)) {
            throw new RoomcastException(ErrorCode.NOT_IN_ROOM, "leave of a room it is not in");
        }
        connection.send(codec.encode(Envelope.toRoom("left", room, null).withId(envelope.id())));
    }

    private void onPublish(Source connection, Envelope envelope, RoomName name, Optional<String> traceparent) {
        if (!hub.isInRoom(connection.id(), name)) {
            throw new RoomcastException(ErrorCode.NOT_IN_ROOM, "publish to a room it is not in");
        }
        if (!hub.mayPublish(connection.id(), name)) { // its room decision granted receiving only
            throw new RoomcastException(ErrorCode.PUBLISH_FORBIDDEN, "publish to a room it may only receive");
        }
        CompletableFuture<BroadcastResult> broadcast = hub.broadcastRoom(name,
                Envelope.toRoom("message", name, envelope.payload()).withFrom(connection.identity().subject())
                        .withTraceparent(traceparent), Optional.empty());
        BroadcastResult refused = broadcast.getNow(null);
        // A broadcast refused as a whole completes at once; the publisher hears why instead of silence.
        if (refused != null && refused.rejected().isPresent()) {
            throw new RoomcastException(BroadcastResult.errorCodeOf(refused.rejected().get()), "publish refused by the hub");
        }
        // A cluster bus learns later (on its own thread) that the other nodes never got the message:
        // this node's members did, and the publisher is told the rest of the room did not.
        broadcast.thenAccept(result -> {
            if (result.relayFailed()) {
                replyError(connection, ErrorCode.RELAY_FAILED, ErrorCode.RELAY_FAILED.safeMessage(), envelope.id());
            }
        });
    }

    private void onApplicationEvent(Source connection, Envelope envelope, Optional<String> traceparent) throws Exception {
        Optional<EventRouter.Route<?>> route = router.route(envelope.type());
        if (route.isEmpty()) {
            throw new RoomcastException(ErrorCode.UNKNOWN_TYPE, "no handler for the event type");
        }
        route.get().dispatch(new Event(connection, envelope, traceparent), codec);
    }

    /** What a handler sees of the connection for one event. */
    private final class Event implements EventContext {
        private final Source connection;
        private final Envelope envelope;
        /** Captured when the handler starts, so a broadcast from another thread still continues its trace. */
        private final Optional<String> traceparent;

        Event(Source connection, Envelope envelope, Optional<String> traceparent) {
            this.connection = connection;
            this.envelope = envelope;
            this.traceparent = traceparent;
        }

        @Override
        public ConnectionId connectionId() {
            return connection.id();
        }

        @Override
        public Identity identity() {
            return connection.identity();
        }

        @Override
        public Envelope envelope() {
            return envelope;
        }

        @Override
        public Set<RoomName> rooms() {
            return hub.roomsOf(connection.id());
        }

        @Override
        public SendResult reply(String type, Object payload) {
            return EventDispatcher.this.reply(connection, envelope, type, payload);
        }

        @Override
        public SendResult push(String type, Object payload) {
            return connection.send(codec.encode(Envelope.of(type, codec.toPayload(payload))));
        }

        @Override
        public CompletionStage<BroadcastResult> broadcast(RoomName room, String type, Object payload) {
            return hub.broadcastRoom(room,
                    Envelope.toRoom(type, room, codec.toPayload(payload)).withFrom(connection.identity().subject())
                            .withTraceparent(traceparent),
                    Optional.empty());
        }
    }

    private SendResult reply(Source connection, Envelope request, String type, Object payload) {
        JsonNode tree = payload == null ? null : codec.toPayload(payload);
        return connection.send(codec.encode(new Envelope(type, request.room(), request.id(), Optional.empty(), tree)));
    }

    private void replyError(Source connection, ErrorCode code, String message, Optional<String> requestId) {
        connection.sendError(codec.encode(codec.errorEvent(code, message, requestId)));
    }

    private void forEachListener(Consumer<ConnectionListener> call) {
        for (ConnectionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
    }
}
