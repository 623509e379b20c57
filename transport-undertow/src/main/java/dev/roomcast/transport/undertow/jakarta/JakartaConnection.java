package dev.roomcast.transport.undertow.jakarta;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseConnection;
import dev.roomcast.core.CloseReason;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.DecodeResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventContext;
import dev.roomcast.core.EventRecord;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastException;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.StreamPosition;
import dev.roomcast.core.WriteRecord;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.hub.SendQueue;
import dev.roomcast.hub.TokenBucket;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One Jakarta WebSocket connection as the hub's {@link Peer}, in the order of DESIGN §2, like the
 * native {@code Connection} but on the portable {@link Session} API only:
 * <ol>
 *   <li><b>created</b> by the {@link UpgradeFilter} before the handshake, so the hub reserves its slot
 *       and queues the {@code joined} replies of the upgrade's rooms;</li>
 *   <li><b>attached</b> to its {@link Session} in {@code onOpen}: starts reading and the heartbeat,
 *       and writes what was queued before;</li>
 *   <li><b>receive</b> on the container's thread: the inbound rate, then the inbox (sizes and UTF-8
 *       are checked by the container: {@code maxTextMessageBufferSize} gives 1009, bad UTF-8 1007);</li>
 *   <li><b>run</b> on a virtual thread of its own, started when messages wait and ended when none is
 *       left: decode and dispatch each message in order;</li>
 *   <li><b>send</b> from any thread into the bounded {@link SendQueue}; one writer virtual thread,
 *       started when frames arrive at an idle queue and ended when it is empty, writes them with the
 *       blocking remote, everything queued joined into one frame under {@code roomcast.batch.v1};</li>
 *   <li><b>close</b> by whoever sees the end first, and one idempotent cleanup.</li>
 * </ol>
 * A client that stops reading blocks only this connection's writer; its queue fills and the hub's
 * {@code SendBehavior} applies, as with the native transport. Unlike the native transport, the
 * portable API cannot pause reading, so a handler that falls {@value #INBOX_LIMIT} messages behind
 * closes the connection with 1013.
 */
final class JakartaConnection implements Peer {
    private static final Logger log = LoggerFactory.getLogger(JakartaConnection.class);

    /** Messages that may wait for the handler before the connection is closed (the API cannot pause reads). */
    static final int INBOX_LIMIT = 1024;
    private static final int MAX_BATCH_FRAMES = 1024;
    private static final long MAX_BATCH_BYTES = 64 * 1024;
    private static final String MDC_CONNECTION_ID = "connectionId";
    /** Close code reported when the connection ended without a close frame (RFC 6455 §7.1.5). */
    private static final int NO_CLOSE_FRAME = 1006;

    private final ConnectionId id;
    private final Identity identity;
    private final String clientAddress;
    private final JakartaServices services;
    private final SendQueue queue;
    private final TokenBucket inboundRate;
    private final long openedNanos;

    /** Set once by {@link #attach}; null before the handshake completes. */
    private final AtomicReference<Session> session = new AtomicReference<>();
    /** Whether the client negotiated {@code roomcast.batch.v1}; written by {@link #attach} before any write. */
    private volatile boolean batching;
    /** Set when the queue woke its writer before there was a session; {@link #attach} starts the writer then. */
    private final AtomicBoolean pendingWake = new AtomicBoolean();
    /**
     * Writers started and not yet finished: 0 or 1, briefly 2 while a finishing writer overlaps the one
     * the next frame woke. A drained close is sent only when it is 0, by whoever sees it reach 0.
     */
    private final AtomicInteger writersActive = new AtomicInteger();
    /** The first close request wins; later ones are ignored. */
    private final AtomicReference<CloseReason> closing = new AtomicReference<>();
    /** Set when a close should wait for the queue to drain ({@link #closeAfterDrain}). */
    private volatile boolean drainBeforeClose;
    /** Set once by whoever sends our close frame. */
    private final AtomicBoolean closeSent = new AtomicBoolean();
    /** Set once by whichever thread runs the cleanup first. */
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    /** Messages waiting for the reader; filled by the container's thread. */
    private final ConcurrentLinkedQueue<String> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    /** True while a reader virtual thread runs; an idle connection has none. */
    private final AtomicBoolean readerRunning = new AtomicBoolean();
    /** Last time any message or pong arrived. */
    private volatile long lastSeenNanos;
    /** When the oldest unanswered ping was sent; 0 when none is outstanding. */
    private volatile long pingSentNanos;
    /** Releases the connection if the container never opens it; set between the 101 and {@link #attach}. */
    private volatile ScheduledFuture<?> upgradeTimeout;
    /** The heartbeat's timer task, from {@link #attach} on. */
    private volatile ScheduledFuture<?> heartbeat;
    /** Trace context of the event being handled, stamped on what its handling broadcasts; the reader thread's. */
    private Optional<String> eventTraceparent = Optional.empty();

    JakartaConnection(ConnectionId id, Identity identity, String clientAddress, JakartaServices services,
                      InboundRate inboundRate) {
        this.id = id;
        this.identity = identity;
        this.clientAddress = clientAddress;
        this.services = services;
        this.queue = new SendQueue(services.config().sendQueueSize(), services.config().sendBehavior(),
                services.config().sendTimeout(), this::wakeWriter);
        this.inboundRate = new TokenBucket(inboundRate.perSecond(), inboundRate.burst(), services.clock());
        this.openedNanos = services.clock().nanoTime();
        this.lastSeenNanos = openedNanos;
    }

    // ---- 1b. between the filter and onOpen ------------------------------------------------------

    /**
     * The container answered 101: gives it {@code wait} to call {@code onOpen}; a connection that never
     * opens (the client left during the handshake) is released then.
     */
    void expectOpenWithin(Duration wait) {
        if (session.get() != null) {
            return; // onOpen already ran (the container may open the session before the filter chain returns)
        }
        try {
            upgradeTimeout = services.timer().schedule(() -> abandonIfNotAttached("upgrade not completed"),
                    wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            abandonIfNotAttached("server stopping");
        }
    }

    /** Releases a connection whose handshake did not complete: its slot and rooms, and the listeners hear once. */
    void abandonIfNotAttached(String why) {
        if (session.get() == null) {
            closing.compareAndSet(null, CloseReason.of(CloseCode.GOING_AWAY, why));
            queue.close();
            cleanupOnce(CloseCode.GOING_AWAY.code(), why);
        }
    }

    // ---- 2. attach -------------------------------------------------------------------------------

    /**
     * Binds the session, starts reading and the heartbeat, and writes what was queued. Returns false,
     * doing nothing, when this connection was already attached or released (the caller closes the session).
     */
    boolean attach(Session opened) {
        if (cleanedUp.get() || !session.compareAndSet(null, opened)) {
            return false;
        }
        ScheduledFuture<?> timeout = upgradeTimeout;
        if (timeout != null) {
            timeout.cancel(false);
        }
        batching = RoomcastJakarta.SUBPROTOCOL_BATCH_V1.equals(opened.getNegotiatedSubprotocol());
        opened.setMaxTextMessageBufferSize((int) Math.min(Integer.MAX_VALUE, services.config().maxMessageBytes()));
        opened.addMessageHandler(String.class, (MessageHandler.Whole<String>) this::messageReceived);
        opened.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) binary ->
                close(CloseReason.of(CloseCode.UNSUPPORTED_DATA, "binary frames are not accepted")));
        opened.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) this::pongReceived);
        scheduleHeartbeat();
        forEachListener(l -> l.onOpened(this));
        withConnectionMdc(() -> log.info("opened connection {} subject={} address={} batching={} (jakarta)", id,
                identity.subject(), clientAddress, batching));
        // Closed between the hub's admission and now (stop, shutdown): close() left the frame to us.
        if (closing.get() != null && !drainBeforeClose) {
            sendCloseOnce();
        } else if (pendingWake.compareAndSet(true, false)) {
            startWriter(); // writes what is queued (joined replies, a shutdown notice), then any drained close
        } else if (drainBeforeClose) {
            sendCloseOnce();
        }
        if (cleanedUp.get()) { // released by the upgrade timeout while this attach ran: nothing is left to serve
            closeAbandonedSession(opened);
        }
        return true;
    }

    private void closeAbandonedSession(Session opened) {
        ScheduledFuture<?> beat = heartbeat;
        if (beat != null) {
            beat.cancel(false);
        }
        try {
            opened.close(new jakarta.websocket.CloseReason(jakarta.websocket.CloseReason.CloseCodes.GOING_AWAY,
                    "upgrade not completed"));
        } catch (IOException e) {
            log.debug("connection {} close failed: {}", id, e.toString());
        }
    }

    // ---- 3. receive (container thread) -----------------------------------------------------------

    /** A whole text message arrived: apply the inbound rate and hand it to the reader. Never blocks. */
    private void messageReceived(String text) {
        lastSeenNanos = services.clock().nanoTime();
        if (closing.get() != null) {
            return;
        }
        if (!inboundRate.tryAcquire()) {
            close(CloseReason.of(CloseCode.POLICY_VIOLATION, "inbound message rate exceeded"));
            return;
        }
        if (inboxSize.incrementAndGet() > INBOX_LIMIT) {
            close(CloseReason.of(CloseCode.TRY_AGAIN_LATER, "handler too far behind"));
            return;
        }
        inbox.add(text);
        if (readerRunning.compareAndSet(false, true)) {
            Thread.ofVirtual().name("roomcast-jakarta-" + id).start(this::run);
        }
    }

    private void pongReceived(PongMessage pong) {
        lastSeenNanos = services.clock().nanoTime();
        long sent = pingSentNanos;
        if (sent != 0) { // an unsolicited pong measures nothing
            pingSentNanos = 0;
            Duration roundTrip = Duration.ofNanos(services.clock().nanoTime() - sent);
            forEachListener(l -> l.onPong(this, roundTrip));
        }
    }

    // ---- 4. run (the connection's virtual thread) ------------------------------------------------

    /** The reader's loop: decode and dispatch each queued message, then end when none is left. */
    private void run() {
        MDC.put(MDC_CONNECTION_ID, id.value());
        try {
            while (true) {
                String next = inbox.poll();
                if (next == null) {
                    readerRunning.set(false);
                    // A message queued after the poll saw this reader still running and started none: take it on.
                    if (inbox.isEmpty() || !readerRunning.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                inboxSize.decrementAndGet();
                if (closing.get() != null || cleanedUp.get()) {
                    continue; // closing: remaining input is discarded, not handled
                }
                decodeAndDispatch(next);
            }
        } finally {
            MDC.remove(MDC_CONNECTION_ID);
        }
    }

    private void decodeAndDispatch(String text) {
        switch (services.codec().decode(text)) {
            case DecodeResult.Failed failed -> {
                forEachListener(l -> l.onMessageRejected(this, failed.code()));
                long bytes = EnvelopeCodec.utf8Length(text);
                forEachListener(l -> l.onDecodeFailed(this, failed.code(), bytes));
                replyError(failed.code(), failed.detail(), failed.id());
            }
            case DecodeResult.Decoded decoded -> dispatch(decoded.envelope(), text);
        }
    }

    /** Dispatches one decoded message explicitly by type, telling the listeners before and after. */
    private void dispatch(Envelope envelope, String text) {
        forEachListener(l -> l.onMessageReceived(this, envelope.type(), text.length()));
        Instant started = services.clock().now();
        eventTraceparent = eventStarted(envelope);
        EventRecord.Outcome outcome = EventRecord.Outcome.FAILED;
        Optional<ErrorCode> error = Optional.empty();
        try {
            switch (envelope.type()) {
                case "join" -> onJoin(envelope);
                case "leave" -> onLeave(envelope);
                case "publish" -> onPublish(envelope);
                case "ping" -> reply(envelope, "pong", null);
                default -> onApplicationEvent(envelope);
            }
            outcome = EventRecord.Outcome.HANDLED;
        } catch (RoomcastException e) {
            outcome = EventRecord.Outcome.REJECTED;
            error = Optional.of(e.code());
            forEachListener(l -> l.onMessageRejected(this, e.code()));
            replyError(e.code(), e.code().safeMessage(), envelope.id());
        } catch (CloseConnection e) {
            outcome = EventRecord.Outcome.CLOSED;
            close(e.closeReason());
        } catch (Exception e) {
            log.error("handler for event type '{}' failed on connection {}; closing with 1011", envelope.type(), id, e);
            close(CloseReason.of(CloseCode.INTERNAL_ERROR, "internal error"));
        } finally {
            eventHandled(envelope, text, started, outcome, error);
        }
    }

    /** Tells the listeners an event starts; returns the trace context its broadcasts carry. */
    private Optional<String> eventStarted(Envelope envelope) {
        Optional<String> trace = envelope.traceparent();
        boolean fromListener = false;
        for (ConnectionListener l : services.listeners()) {
            try {
                Optional<String> span = l.onEventStarted(this, envelope);
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

    private void eventHandled(Envelope envelope, String text, Instant started, EventRecord.Outcome outcome,
                              Optional<ErrorCode> error) {
        eventTraceparent = Optional.empty();
        if (services.listeners().isEmpty()) {
            return;
        }
        EventRecord record = new EventRecord(envelope.type(), envelope.room(), EnvelopeCodec.utf8Length(text), started,
                services.clock().now(), outcome, error, envelope.traceparent());
        forEachListener(l -> l.onEventHandled(this, record));
    }

    private void onJoin(Envelope envelope) {
        String room = roomOf(envelope);
        if (!RoomName.isValid(room)) {
            throw new RoomcastException(ErrorCode.INVALID_ROOM, "join with an invalid room name");
        }
        Optional<String> password = Optional.ofNullable(envelope.payload().get("password"))
                .filter(JsonNode::isTextual).map(JsonNode::textValue);
        RoomDecision decision = services.roomAuthorizer()
                .authorize(new RoomAccessRequest(identity, RoomName.of(room), password, clientAddress));
        if (decision instanceof RoomDecision.Denied denied) {
            forEachListener(l -> l.onRoomAccessDenied(RoomName.of(room), denied.code()));
            log.info("connection {} refused room {}: {}", id, room, denied.reason());
            throw new RoomcastException(denied.code(), "room refused");
        }
        // A reconnecting client's last position in a room with a history: what it missed comes after the reply.
        Optional<StreamPosition> since = StreamPosition.sinceOf(envelope.payload());
        if (services.hub().tryJoin(this, room, envelope.id(), since) instanceof JoinResult.Refused refused) {
            throw new RoomcastException(refused.code(), "join refused: " + refused.reason());
        }
    }

    private void onLeave(Envelope envelope) {
        String room = roomOf(envelope);
        if (!RoomName.isValid(room)) {
            throw new RoomcastException(ErrorCode.INVALID_ROOM, "leave with an invalid room name");
        }
        if (!services.hub().leave(this, RoomName.of(room))) {
            throw new RoomcastException(ErrorCode.NOT_IN_ROOM, "leave of a room it is not in");
        }
        send(services.codec().encode(Envelope.toRoom("left", RoomName.of(room), null).withId(envelope.id())));
    }

    private void onPublish(Envelope envelope) {
        String room = roomOf(envelope);
        if (!RoomName.isValid(room)) {
            throw new RoomcastException(ErrorCode.INVALID_ROOM, "publish with an invalid room name");
        }
        RoomName name = RoomName.of(room);
        if (!services.hub().isInRoom(id, name)) {
            throw new RoomcastException(ErrorCode.NOT_IN_ROOM, "publish to a room it is not in");
        }
        BroadcastResult refused = services.hub().broadcastRoom(name,
                Envelope.toRoom("message", name, envelope.payload()).withFrom(identity.subject())
                        .withTraceparent(eventTraceparent), Optional.empty()).getNow(null);
        // A broadcast refused as a whole completes at once; the publisher hears why instead of silence.
        if (refused != null && refused.rejected().isPresent()) {
            throw new RoomcastException(BroadcastResult.errorCodeOf(refused.rejected().get()), "publish refused by the hub");
        }
    }

    private void onApplicationEvent(Envelope envelope) throws Exception {
        Optional<EventRouter.Route<?>> route = services.router().route(envelope.type());
        if (route.isEmpty()) {
            throw new RoomcastException(ErrorCode.UNKNOWN_TYPE, "no handler for the event type");
        }
        route.get().dispatch(new Event(envelope), services.codec());
    }

    private static String roomOf(Envelope envelope) {
        if (envelope.room().isPresent()) {
            return envelope.room().get();
        }
        JsonNode room = envelope.payload().get("room");
        return room != null && room.isTextual() ? room.textValue() : null;
    }

    /** What a handler sees of this connection for one event. */
    private final class Event implements EventContext {
        private final Envelope envelope;
        /** Captured when the handler starts, so a broadcast from another thread still continues its trace. */
        private final Optional<String> traceparent = eventTraceparent;

        Event(Envelope envelope) {
            this.envelope = envelope;
        }

        @Override
        public ConnectionId connectionId() {
            return id;
        }

        @Override
        public Identity identity() {
            return identity;
        }

        @Override
        public Envelope envelope() {
            return envelope;
        }

        @Override
        public Set<RoomName> rooms() {
            return services.hub().roomsOf(id);
        }

        @Override
        public SendResult reply(String type, Object payload) {
            return JakartaConnection.this.reply(envelope, type, payload);
        }

        @Override
        public SendResult push(String type, Object payload) {
            return send(services.codec().encode(Envelope.of(type, services.codec().toPayload(payload))));
        }

        @Override
        public CompletionStage<BroadcastResult> broadcast(RoomName room, String type, Object payload) {
            return services.hub().broadcastRoom(room,
                    Envelope.toRoom(type, room, services.codec().toPayload(payload)).withFrom(identity.subject())
                            .withTraceparent(traceparent),
                    Optional.empty());
        }
    }

    private SendResult reply(Envelope request, String type, Object payload) {
        JsonNode tree = payload == null ? null : services.codec().toPayload(payload);
        return send(services.codec().encode(new Envelope(type, request.room(), request.id(), Optional.empty(), tree)));
    }

    private void replyError(ErrorCode code, String message, Optional<String> requestId) {
        send(services.codec().encode(services.codec().errorEvent(code, message, requestId)));
    }

    // ---- 5. send (any thread) and the single writer ----------------------------------------------

    @Override
    public ConnectionId id() {
        return id;
    }

    @Override
    public Identity identity() {
        return identity;
    }

    @Override
    public SendResult send(Frame frame) {
        return send(frame, services.config().sendTimeout());
    }

    @Override
    public SendResult send(Frame frame, Duration maxWait) {
        if (closing.get() != null) {
            return SendResult.NOT_OPEN;
        }
        SendResult result = queue.offer(frame, maxWait.toNanos());
        if (result == SendResult.DROPPED || result == SendResult.TIMED_OUT || result == SendResult.CLOSED_SLOW) {
            forEachListener(l -> l.onSendRefused(this, result));
        }
        if (result == SendResult.CLOSED_SLOW) {
            withConnectionMdc(() -> log.info("connection {} is too slow (send queue of {} full); closing with 1013", id,
                    queue.capacity()));
            close(CloseReason.of(CloseCode.TRY_AGAIN_LATER, "slow consumer"));
        }
        return result;
    }

    @Override
    public boolean trySend(Frame frame) {
        return closing.get() == null && queue.tryOffer(frame);
    }

    /**
     * Called by the queue when frames arrive at an idle queue: exactly once per writer cycle, so at most
     * one writer runs. Before the session exists the wake is kept for {@link #attach}.
     */
    private void wakeWriter() {
        if (session.get() != null) {
            startWriter();
            return;
        }
        pendingWake.set(true);
        // attach may have set the session between the look above and the flag: whoever clears it starts the writer.
        if (session.get() != null && pendingWake.compareAndSet(true, false)) {
            startWriter();
        }
    }

    private void startWriter() {
        writersActive.incrementAndGet();
        Thread.ofVirtual().name("roomcast-jakarta-writer-" + id).start(this::writeAll);
    }

    /**
     * The writer: drains the queue until it is empty, each batch in one blocking write (a virtual
     * thread may block; a client that does not read stalls only this thread), then sends a drained
     * close if one waits.
     */
    private void writeAll() {
        Session s = session.get();
        List<Frame> batch = new ArrayList<>();
        try {
            while (queue.drainTo(batch, batching ? MAX_BATCH_FRAMES : 1, MAX_BATCH_BYTES) > 0) {
                reportWrite(batch);
                s.getBasicRemote().sendText(batching ? joined(batch) : batch.get(0).text());
                batch.clear();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("connection {} write failed: {}", id, e.toString());
            queue.close();
            close(CloseReason.of(CloseCode.GOING_AWAY, "write failed"));
        } finally {
            if (writersActive.decrementAndGet() == 0 && drainBeforeClose) {
                sendCloseOnce();
            }
        }
    }

    private static String joined(List<Frame> batch) {
        if (batch.size() == 1) {
            return batch.get(0).text();
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                b.append('\n');
            }
            b.append(batch.get(i).text());
        }
        return b.toString();
    }

    private void reportWrite(List<Frame> batch) {
        if (services.listeners().isEmpty()) {
            return;
        }
        int n = batch.size();
        long bytes = batching ? n - 1 : 0;
        for (Frame f : batch) {
            bytes += f.length();
        }
        WriteRecord write = new WriteRecord(1, n, bytes, n + queue.size());
        forEachListener(l -> l.onFramesWritten(this, write));
    }

    // ---- heartbeat (timer thread) ----------------------------------------------------------------

    private void scheduleHeartbeat() {
        long period = services.config().pingPeriod().toMillis();
        try {
            heartbeat = services.timer().scheduleAtFixedRate(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            close(CloseReason.of(CloseCode.GOING_AWAY, "server stopping"));
        }
    }

    /** Pings the client; a client silent for longer than {@code pongWait} is closed with 1001. */
    private void heartbeat() {
        Session s = session.get();
        if (s == null || closing.get() != null || !s.isOpen()) {
            return;
        }
        long silentNanos = services.clock().nanoTime() - lastSeenNanos;
        if (silentNanos > services.config().pongWait().toNanos()) {
            Duration silence = Duration.ofNanos(silentNanos);
            forEachListener(l -> l.onHeartbeatTimeout(this, silence));
            withConnectionMdc(() -> log.info("connection {} sent nothing, not even a pong, for {} ms; closing", id,
                    silence.toMillis()));
            close(CloseReason.of(CloseCode.GOING_AWAY, "pong timeout"));
            return;
        }
        if (pingSentNanos == 0) { // a pong answers the oldest unanswered ping
            pingSentNanos = services.clock().nanoTime();
        }
        try {
            s.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
        } catch (IOException | RuntimeException e) {
            log.debug("connection {} ping failed: {}", id, e.toString());
        }
    }

    // ---- 6. close and cleanup --------------------------------------------------------------------

    @Override
    public void close(CloseReason reason) {
        if (!closing.compareAndSet(null, reason)) {
            if (drainBeforeClose) {
                // A drained close is under way (shutdown) but the deadline came: stop waiting, keep the first reason.
                drainBeforeClose = false;
                queue.close();
                services.hub().disconnect(this);
                sendCloseOnce();
            }
            return;
        }
        queue.close();
        // A connection closed without draining takes no more frames: it leaves its rooms at once.
        services.hub().disconnect(this);
        sendCloseOnce(); // before attach this does nothing: attach sees `closing` and sends the frame
    }

    @Override
    public void closeAfterDrain(CloseReason reason) {
        if (closing.get() != null) {
            return;
        }
        drainBeforeClose = true; // before `closing`, so attach never sees this close without knowing it drains
        if (!closing.compareAndSet(null, reason)) {
            return;
        }
        if (writersActive.get() == 0) { // an idle queue has nothing to drain; a running writer sends the close when done
            sendCloseOnce();
        }
    }

    @Override
    public boolean isOpen() {
        return closing.get() == null && !cleanedUp.get();
    }

    /**
     * Sends our close frame once, with the first close reason. The session reports the close to the
     * endpoint (which runs {@link #closed}); a session whose close fails is cleaned up here.
     */
    private void sendCloseOnce() {
        Session s = session.get();
        CloseReason reason = closing.get();
        if (s == null || reason == null || !closeSent.compareAndSet(false, true)) {
            return;
        }
        try {
            s.close(new jakarta.websocket.CloseReason(jakarta.websocket.CloseReason.CloseCodes.getCloseCode(
                    reason.code().code()), reason.reason()));
        } catch (IOException | RuntimeException e) {
            log.debug("connection {} close failed: {}", id, e.toString());
        } finally {
            if (!s.isOpen()) {
                cleanupOnce(reason.code().code(), reason.reason());
            }
        }
    }

    /** The endpoint's {@code onClose}: the session ended, whoever closed it. */
    void closed(jakarta.websocket.CloseReason theirs) {
        CloseReason ours = closing.get();
        if (ours != null) {
            cleanupOnce(ours.code().code(), ours.reason());
            return;
        }
        closing.compareAndSet(null, CloseReason.of(CloseCode.GOING_AWAY, "closed"));
        queue.close();
        int code = theirs == null ? NO_CLOSE_FRAME : theirs.getCloseCode().getCode();
        cleanupOnce(code, code == NO_CLOSE_FRAME ? "connection lost" : "closed by client");
    }

    /** Runs once, whoever gets here first: leaves every room, stops the timers, and tells the listeners once. */
    private void cleanupOnce(int code, String reason) {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        queue.close();
        services.hub().disconnect(this);
        inbox.clear();
        for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {upgradeTimeout, heartbeat}) {
            if (t != null) {
                t.cancel(false);
            }
        }
        Duration lifetime = Duration.ofNanos(services.clock().nanoTime() - openedNanos);
        forEachListener(l -> l.onClosed(this, code, reason, lifetime));
        withConnectionMdc(() -> log.info("closed connection {} subject={} code={} reason={} (jakarta)", id,
                identity.subject(), code, reason));
    }

    private void withConnectionMdc(Runnable logging) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String previous = MDC.get(MDC_CONNECTION_ID);
        MDC.put(MDC_CONNECTION_ID, id.value());
        try {
            logging.run();
        } finally {
            if (previous == null) {
                MDC.remove(MDC_CONNECTION_ID);
            } else {
                MDC.put(MDC_CONNECTION_ID, previous);
            }
        }
    }

    private void forEachListener(Consumer<ConnectionListener> call) {
        for (ConnectionListener l : services.listeners()) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "JakartaConnection[" + id + ", subject=" + identity.subject() + "]";
    }
}
