package dev.roomcast.transport.undertow.internal;

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
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.StreamPosition;
import dev.roomcast.core.WriterThread;
import dev.roomcast.core.WriteRecord;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.hub.SendQueue;
import dev.roomcast.hub.TokenBucket;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.MDC;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

/**
 * One WebSocket connection, from the accepted upgrade to the last cleanup, in the order of
 * DESIGN §2. This is where a connection's life can be read top to bottom:
 * <ol>
 *   <li><b>created</b> before the 101, holding its identity and an empty {@link SendQueue}, so the hub
 *       can reserve its slot and queue the {@code joined} replies of the upgrade's rooms;</li>
 *   <li><b>attached</b> to the Undertow channel once upgraded: starts reading and the heartbeat, and
 *       writes what was queued before (its I/O thread's writer is known from the upgrade request
 *       but woken only from now on);</li>
 *   <li><b>receive</b> on the I/O thread: size, UTF-8 and rate checks, then the inbox; only a
 *       {@code publish} arriving while nothing waits is handled right there (see {@link #messageReceived});</li>
 *   <li><b>run</b> on a virtual thread of its own, started when messages wait and ended when none is
 *       left: decode and dispatch each message in order;</li>
 *   <li><b>send</b> from any thread into the bounded queue; the I/O thread's writer drains it,
 *       coalescing everything queued into one write;</li>
 *   <li><b>close</b> by whoever sees the end first, and one idempotent cleanup.</li>
 * </ol>
 * I/O threads never block here and never run handlers or authorizers.
 */
public final class Connection implements Peer {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    /**
     * Largest message decoded on the I/O thread to see whether it is a {@code publish} (see
     * {@link #messageReceived}); a larger one goes to the reader, so a big message (up to
     * {@code maxMessageBytes}) never holds up the other connections of its I/O thread while it is parsed.
     */
    public static final int ON_ARRIVAL_MAX_BYTES = 16 * 1024;
    /** Inbox depth at which reading from the socket pauses, and depth at which it resumes. */
    private static final int INBOX_PAUSE = 64;
    private static final int INBOX_RESUME = 16;
    /** Most frames and bytes one write may carry. */
    private static final int MAX_BATCH_FRAMES = 1024;
    private static final long MAX_BATCH_BYTES = 64 * 1024;
    /** How long a peer has to answer our close frame before the socket is cut. */
    private static final long CLOSE_GRACE_MILLIS = 3_000;
    /** How long an aborted connection's close frame gets to leave before the socket is cut. */
    private static final long ABORT_GRACE_MILLIS = 250;
    /** Close code reported when the connection ended without any close frame (RFC 6455 §7.1.5). */
    private static final int NO_CLOSE_FRAME = 1006;
    // Field updaters rather than Atomic* objects: one connection is one object less per field.
    private static final AtomicReferenceFieldUpdater<Connection, CloseReason> CLOSING =
            AtomicReferenceFieldUpdater.newUpdater(Connection.class, CloseReason.class, "closing");
    private static final AtomicIntegerFieldUpdater<Connection> CLEANED_UP =
            AtomicIntegerFieldUpdater.newUpdater(Connection.class, "cleanedUp");
    private static final AtomicIntegerFieldUpdater<Connection> INBOX_SIZE =
            AtomicIntegerFieldUpdater.newUpdater(Connection.class, "inboxSize");
    private static final AtomicIntegerFieldUpdater<Connection> READER_RUNNING =
            AtomicIntegerFieldUpdater.newUpdater(Connection.class, "readerRunning");
    /** The MDC key under which log lines about a connection carry its id. */
    private static final String MDC_CONNECTION_ID = "connectionId";
    private static final byte NEWLINE = '\n';

    private final ConnectionId id;
    private final Identity identity;
    private final String clientAddress;
    private final boolean batching;
    private final ConnectionServices services;
    private final SendQueue queue;
    private final TokenBucket inboundRate;
    private final long openedNanos;

    /** Set once by {@link #attach} on the I/O thread; null before the upgrade completes. */
    private volatile WebSocketChannel channel;
    /**
     * The writer of the I/O thread the upgrade arrived on, which the WebSocket channel keeps; also
     * the hub's {@link WriterThread} for this connection. It is woken only once {@link #attach} has
     * set the channel; attach drains what was queued before.
     */
    private final IoThreadWriter writer;
    /** Messages waiting for the reader; filled by the I/O thread. */
    private final ConcurrentLinkedQueue<Inbound> inbox = new ConcurrentLinkedQueue<>();
    /** Messages in {@link #inbox}, for the pause/resume thresholds. */
    private volatile int inboxSize;
    /** 1 while a reader virtual thread runs; it ends when the inbox is empty, so an idle connection has none. */
    private volatile int readerRunning;
    /** The first close request wins; later ones are ignored. */
    private volatile CloseReason closing;
    /** Set when a close should wait for the queue to drain ({@link #closeAfterDrain}). */
    private volatile boolean drainBeforeClose;
    /** The close frame the peer sent, if any; written by the I/O thread. */
    private volatile CloseMessage peerClose;
    /** Set by the I/O thread when the TCP connection ended without a close frame from the peer. */
    private volatile boolean connectionLost;
    /** Set once (0 → 1) by whichever thread runs the cleanup first. */
    private volatile int cleanedUp;
    /** Last time any frame arrived; written by the I/O thread, read by the heartbeat (same thread). */
    private volatile long lastSeenNanos;

    // Owned by the channel's I/O thread.
    private boolean writeInFlight;
    private boolean draining;
    private boolean redrain;
    /** Written by the I/O thread; volatile so the reader asks for a resume only while reading is paused. */
    private volatile boolean receivesPaused;
    private boolean closeFrameQueued;
    private boolean ourCloseWritten;
    private XnioExecutor.Key heartbeat;
    /** When the heartbeat's oldest unanswered ping was sent; 0 when none is outstanding. */
    private long pingSentNanos;

    /** Trace context of the event being handled, stamped on what its handling broadcasts; the reader thread's. */
    private Optional<String> eventTraceparent = Optional.empty();

    /**
     * Creates a connection that is not yet upgraded.
     *
     * @param batching whether the client negotiated {@code roomcast.batch.v1}
     * @param io       the I/O thread of the upgrade request, which the WebSocket channel keeps
     * @param inboundRate what the client may send, from the server's {@code InboundRatePolicy} for {@code identity}
     */
    public Connection(ConnectionId id, Identity identity, String clientAddress, boolean batching, ConnectionServices services,
                      XnioIoThread io, InboundRate inboundRate) {
        this.id = id;
        this.identity = identity;
        this.clientAddress = clientAddress;
        this.batching = batching;
        this.services = services;
        this.writer = services.writers().forThread(io);
        this.queue = new SendQueue(services.config().sendQueueSize(), services.config().sendBehavior(),
                services.config().sendTimeout(), this::wakeWriter);
        this.inboundRate = new TokenBucket(inboundRate.perSecond(), inboundRate.burst(), services.clock());
        this.openedNanos = services.clock().nanoTime();
        this.lastSeenNanos = openedNanos;
    }

    // ---- 2. attach ---------------------------------------------------------------------------------

    /** Binds the upgraded channel, starts reading and the heartbeat, and writes what was queued. Runs on the channel's I/O thread. */
    public void attach(WebSocketChannel upgraded) {
        this.channel = upgraded;
        upgraded.addCloseTask(ch -> cleanupOnce());
        upgraded.getReceiveSetter().set(new Receiver());
        upgraded.resumeReceives();
        scheduleHeartbeat();
        forEachListener(l -> l.onOpened(this));
        // DEBUG, not INFO: at thousands of connects a second, two synchronous lines per connection
        // were 8% of the server's CPU under churn; metrics count opens and closes at any level.
        withConnectionMdc(() -> log.debug("opened connection {} subject={} address={} batching={}", id,
                identity.subject(), clientAddress, batching));
        // Closed between the hub's admission and now (e.g. by stop or shutdown): close() and
        // closeAfterDrain() leave the close frame to this point, so the client still gets it.
        if (closing != null && !drainBeforeClose) {
            closeFromIoThread();
        } else if (drainBeforeClose || queue.size() > 0) {
            drain(); // writes what is queued (the joined replies, a shutdown notice), then any drained close
        }
    }

    // ---- 3. receive (I/O thread) -------------------------------------------------------------------

    /** Protocol chores in one place: text goes to the inbox; ping/pong/close are answered here. */
    private final class Receiver extends AbstractReceiveListener {
        @Override
        public void handleEvent(WebSocketChannel ch) {
            lastSeenNanos = services.clock().nanoTime();
            super.handleEvent(ch);
        }

        @Override
        protected void onText(WebSocketChannel ch, StreamSourceFrameChannel frames) {
            new TextReader(frames).readAvailable();
        }

        @Override
        protected void onBinary(WebSocketChannel ch, StreamSourceFrameChannel frames) {
            IoUtils.safeClose(frames);
            closeOnIoThread(CloseReason.of(CloseCode.UNSUPPORTED_DATA, "binary frames are not accepted"));
        }

        @Override
        protected void onFullPongMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
            message.getData().close(); // the pong itself only proves liveness, already recorded
            long sent = pingSentNanos;
            if (sent != 0) { // an unsolicited pong measures nothing
                pingSentNanos = 0;
                Duration roundTrip = Duration.ofNanos(services.clock().nanoTime() - sent);
                forEachListener(l -> l.onPong(Connection.this, roundTrip));
            }
        }

        /**
         * The peer's close frame. Once both close frames have been exchanged, the server ends the TCP
         * connection at once (RFC 6455 §7.1.1): after echoing a client's close as soon as the echo is
         * written, and right away when it answers ours. Undertow by itself only half-closes and waits
         * for the client's FIN, so a client that never sends one kept its connection (its slot, rooms
         * and reader thread when it started the close) until the heartbeat or the close grace gave up.
         */
        @Override
        protected void onFullCloseMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
            var data = message.getData();
            try {
                CloseMessage close = new CloseMessage(data.getResource());
                peerClose = close;
                if (ch.isCloseFrameSent()) {
                    // The answer to our close, or a close that crossed it. Once ours is written nothing
                    // is left to send; until then OUR_CLOSE_WRITTEN ends the connection when it is.
                    if (ourCloseWritten) {
                        IoUtils.safeClose(ch);
                    }
                } else {
                    WebSockets.sendClose(close, ch, END_AFTER_CLOSE_ECHO);
                }
            } finally {
                data.close();
            }
        }

        /**
         * Only reached without a close frame: Undertow calls it with a made-up 1001 when the TCP
         * connection ends without one. That is a lost connection (reported as 1006), not a goodbye.
         */
        @Override
        protected void onCloseMessage(CloseMessage message, WebSocketChannel ch) {
            connectionLost = true;
        }

        @Override
        protected void onError(WebSocketChannel ch, Throwable error) {
            log.debug("connection {} read failed: {}", id, error.toString());
            super.onError(ch, error);
        }
    }

    /**
     * Reads one text message, over all its fragments, counting bytes as they arrive so a message over
     * {@code maxMessageBytes} is refused at the first byte too many, never buffered whole.
     */
    private final class TextReader implements org.xnio.ChannelListener<StreamSourceFrameChannel> {
        private final StreamSourceFrameChannel frames;
        private final long limit = services.config().maxMessageBytes();
        private byte[] bytes = new byte[256];
        private int size;

        TextReader(StreamSourceFrameChannel frames) {
            this.frames = frames;
        }

        void readAvailable() {
            handleEvent(frames);
        }

        @Override
        public void handleEvent(StreamSourceFrameChannel source) {
            var pooled = source.getWebSocketChannel().getBufferPool().allocate();
            try {
                ByteBuffer buffer = pooled.getBuffer();
                while (true) {
                    buffer.clear();
                    int read = source.read(buffer);
                    if (read == -1) {
                        source.getReadSetter().set(null);
                        messageReceived(bytes, size);
                        return;
                    }
                    if (read == 0) {
                        source.getReadSetter().set(this);
                        source.resumeReads();
                        return;
                    }
                    if ((long) size + read > limit) {
                        source.getReadSetter().set(null);
                        source.suspendReads();
                        closeOnIoThread(CloseReason.of(CloseCode.MESSAGE_TOO_BIG,
                                "message larger than " + limit + " bytes"));
                        return;
                    }
                    buffer.flip();
                    if (size + read > bytes.length) {
                        bytes = java.util.Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(size + read, bytes.length * 2L)));
                    }
                    buffer.get(bytes, size, read);
                    size += read;
                }
            } catch (IOException e) {
                log.debug("connection {} text read failed: {}", id, e.toString());
                IoUtils.safeClose(source.getWebSocketChannel());
            } finally {
                pooled.close();
            }
        }
    }

    /** What waits in the inbox for the reader. */
    private sealed interface Inbound {
        /** A message to handle: its text, and its envelope if it was decoded on arrival (else null). */
        record Message(String text, Envelope decoded) implements Inbound {
        }

        /**
         * The error answer to a publish refused on arrival. The reader sends it, because a reply may
         * have to wait for queue space under {@code BLOCK} and an I/O thread must not wait (nor drop it).
         */
        record Reply(Frame frame) implements Inbound {
        }
    }

    /**
     * A whole text message arrived: validate UTF-8, apply the inbound rate, hand it to the reader thread.
     *
     * <p>One exception: a {@code publish} of at most {@link #ON_ARRIVAL_MAX_BYTES} that arrives while
     * the reader has nothing to do is decoded and handled here. Its whole path is checks and a
     * broadcast that never waits on this thread ({@link Hub#broadcastRoom} delivers a small room here
     * while its lane is idle, leaves members whose queue is full to a lane runner, and hands a large
     * room to its lane). Skipping the reader's start
     * measured 18% more connect-join-publish-close cycles a second with a quarter less server CPU, and
     * in a 1,000-member room 12% more deliveries a second. Order is kept: the reader is idle, so every
     * earlier message has been handled, and while it runs every later one queues behind it. Any
     * other message was decoded to find out, so it waits with its envelope. A publish refused here is
     * answered by the reader ({@link Inbound.Reply}), which may wait for queue space.
     */
    private void messageReceived(byte[] bytes, int size) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, size))
                    .toString();
        } catch (CharacterCodingException e) {
            closeOnIoThread(CloseReason.of(CloseCode.INVALID_PAYLOAD, "text is not valid UTF-8"));
            return;
        }
        if (!inboundRate.tryAcquire()) {
            closeOnIoThread(CloseReason.of(CloseCode.POLICY_VIOLATION, "inbound message rate exceeded"));
            return;
        }
        Envelope decoded = null;
        if (readerRunning == 0 && closing == null && size <= ON_ARRIVAL_MAX_BYTES
                && services.codec().decode(text) instanceof DecodeResult.Decoded d) {
            if (d.envelope().type().equals("publish")) {
                handleOnArrival(text, d.envelope());
                return;
            }
            decoded = d.envelope();
        }
        // A message that failed to decode goes to the reader too, which decodes it again and reports why.
        enqueue(new Inbound.Message(text, decoded));
    }

    /** Queues work for the reader, starting it if none runs, and pauses reading when too much waits. I/O thread only. */
    private void enqueue(Inbound next) {
        inbox.add(next);
        int queued = INBOX_SIZE.incrementAndGet(this);
        if (readerRunning == 0 && READER_RUNNING.compareAndSet(this, 0, 1)) {
            startReader();
        }
        if (queued >= INBOX_PAUSE && !receivesPaused) {
            receivesPaused = true; // the handler is behind: stop reading so TCP pushes back on the client
            channel.suspendReceives();
        }
    }

    // ---- 4. run (the connection's virtual thread) ----------------------------------------------

    /**
     * Starts the connection's reader: a virtual thread that handles the queued messages in arrival
     * order and ends when the inbox is empty. At most one runs at a time ({@link #readerRunning}), so
     * messages are handled one after another; an idle connection keeps no parked thread (a parked
     * virtual thread's stack was the largest part of an idle connection's heap).
     */
    private void startReader() {
        Thread.ofVirtual().name("roomcast-connection-" + id).start(this::run);
    }

    /** The reader's loop: decode and dispatch each queued message, then end when none is left. */
    private void run() {
        MDC.put(MDC_CONNECTION_ID, id.value());
        try {
            while (true) {
                Inbound next = inbox.poll();
                if (next == null) {
                    readerRunning = 0;
                    // A message queued after the poll saw this reader still running and started none: take it on.
                    if (inbox.isEmpty() || !READER_RUNNING.compareAndSet(this, 0, 1)) {
                        return;
                    }
                    continue;
                }
                if (INBOX_SIZE.decrementAndGet(this) <= INBOX_RESUME && receivesPaused) {
                    runOnIoThread(this::resumeReceivesIfPaused);
                }
                if (closing != null || cleanedUp != 0) {
                    continue; // closing: remaining input is discarded, not handled
                }
                handle(next);
            }
        } finally {
            MDC.remove(MDC_CONNECTION_ID);
        }
    }

    /** Handles a publish on the I/O thread it arrived on (see {@link #messageReceived}). */
    private void handleOnArrival(String text, Envelope envelope) {
        MDC.put(MDC_CONNECTION_ID, id.value());
        try {
            dispatch(envelope, text);
        } finally {
            MDC.remove(MDC_CONNECTION_ID);
        }
    }

    private void resumeReceivesIfPaused() {
        if (receivesPaused && inboxSize <= INBOX_RESUME) {
            receivesPaused = false;
            channel.resumeReceives();
        }
    }

    /** Sends a reply left by the I/O thread, or handles one message. */
    private void handle(Inbound next) {
        switch (next) {
            case Inbound.Reply reply -> send(reply.frame());
            case Inbound.Message message when message.decoded() != null -> dispatch(message.decoded(), message.text());
            case Inbound.Message message -> decodeAndDispatch(message.text());
        }
    }

    /** Decodes one message and dispatches it; a message that does not decode is answered with an error. */
    private void decodeAndDispatch(String text) {
        Envelope envelope;
        switch (services.codec().decode(text)) {
            case DecodeResult.Failed failed -> {
                forEachListener(l -> l.onMessageRejected(this, failed.code()));
                if (!services.listeners().isEmpty()) {
                    long bytes = EnvelopeCodec.utf8Length(text);
                    forEachListener(l -> l.onDecodeFailed(this, failed.code(), bytes));
                }
                replyError(failed.code(), failed.detail(), failed.id());
                return;
            }
            case DecodeResult.Decoded decoded -> envelope = decoded.envelope();
        }
        dispatch(envelope, text);
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

    /**
     * Tells the listeners an event starts; returns the trace context its broadcasts carry: the span a
     * listener opened for it, else the envelope's own, so a trace continues even without a tracer.
     */
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
        CompletableFuture<BroadcastResult> broadcast = services.hub().broadcastRoom(name,
                Envelope.toRoom("message", name, envelope.payload()).withFrom(identity.subject())
                        .withTraceparent(eventTraceparent), Optional.empty());
        BroadcastResult refused = broadcast.getNow(null);
        // A broadcast refused as a whole completes at once; the publisher hears why instead of silence.
        if (refused != null && refused.rejected().isPresent()) {
            throw new RoomcastException(BroadcastResult.errorCodeOf(refused.rejected().get()), "publish refused by the hub");
        }
        // A cluster bus learns later (on its own thread) that the other nodes never got the message:
        // this node's members did, and the publisher is told the rest of the room did not.
        broadcast.thenAccept(result -> {
            if (result.relayFailed()) {
                replyError(ErrorCode.RELAY_FAILED, ErrorCode.RELAY_FAILED.safeMessage(), envelope.id());
            }
        });
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
            return Connection.this.reply(envelope, type, payload);
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
        return send(services.codec().encode(
                new Envelope(type, request.room(), request.id(), Optional.empty(), tree)));
    }

    private void replyError(ErrorCode code, String message, Optional<String> requestId) {
        Frame error = services.codec().encode(services.codec().errorEvent(code, message, requestId));
        if (Thread.currentThread() instanceof XnioIoThread) {
            enqueue(new Inbound.Reply(error)); // a publish refused on arrival: the reader sends the answer
            return;
        }
        send(error);
    }

    // ---- 5. send (any thread) and the single writer (I/O thread) -------------------------------

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
        return send(frame, maxWait, queue.behavior());
    }

    @Override
    public SendResult send(Frame frame, Duration maxWait, SendBehavior behavior) {
        if (closing != null) {
            return SendResult.NOT_OPEN;
        }
        // An I/O thread must never wait, so a BLOCK send there fails at once instead.
        long waitNanos = Thread.currentThread() instanceof XnioIoThread ? 0 : maxWait.toNanos();
        SendResult result = queue.offer(frame, waitNanos, behavior);
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
    public Optional<WriterThread> writerThread() {
        return Optional.of(writer);
    }

    @Override
    public boolean trySend(Frame frame) {
        return closing == null && queue.tryOffer(frame);
    }

    /** Called by the queue when frames arrive at an idle queue. Before the upgrade, {@link #attach} drains instead. */
    private void wakeWriter() {
        if (channel != null) { // before attach there is nothing to write to, and attach drains what is queued
            writer.wake(this);
        }
    }

    /** Writes everything queued, one batch in flight at a time. I/O thread only. */
    void drain() {
        if (draining) {
            redrain = true; // a write completed synchronously inside drainOnce: loop instead of recursing
            return;
        }
        draining = true;
        try {
            do {
                redrain = false;
                drainOnce();
            } while (redrain && !writeInFlight);
        } finally {
            draining = false;
        }
    }

    private void drainOnce() {
        WebSocketChannel ch = channel;
        if (writeInFlight || ch == null || !ch.isOpen() || closeFrameQueued) {
            return;
        }
        List<Frame> batch = writer.batch();
        int n = queue.drainTo(batch, MAX_BATCH_FRAMES, maxBatchBytes(ch));
        if (n == 0) {
            if (drainBeforeClose) {
                closeFromIoThread();
            }
            return;
        }
        writeInFlight = true;
        reportWrite(batch);
        try {
            if (batching) {
                sendBatch(ch, batch);
            } else {
                for (int i = 0; i < n - 1; i++) {
                    WebSockets.sendText(batch.get(i).buffer(), ch, null);
                }
                WebSockets.sendText(batch.get(n - 1).buffer(), ch, WRITE_DONE, this);
            }
        } finally {
            batch.clear(); // the I/O thread's scratch list is empty again between drains
        }
    }

    /**
     * Most frame bytes one batch may carry. With batching, a batch is joined straight into one of
     * the channel's pooled (direct) buffers, so it is kept small enough to fit one with its newlines:
     * the socket then writes that buffer as it is, with no heap buffer per write and no copy of a heap
     * buffer into a direct one by the JDK.
     */
    private long maxBatchBytes(WebSocketChannel ch) {
        int pooled = ch.getBufferPool().getBufferSize();
        return batching && pooled > 2 * MAX_BATCH_FRAMES ? pooled - MAX_BATCH_FRAMES : MAX_BATCH_BYTES;
    }

    /** Writes the batch as one text frame: its envelopes joined by newlines ({@code roomcast.batch.v1}). */
    private void sendBatch(WebSocketChannel ch, List<Frame> batch) {
        if (batch.size() == 1) {
            WebSockets.sendText(batch.get(0).buffer(), ch, WRITE_DONE, this);
            return;
        }
        int total = batch.size() - 1;
        for (Frame f : batch) {
            total += f.length();
        }
        if (total > ch.getBufferPool().getBufferSize()) { // only with a pool too small for batching (a tiny heap)
            WebSockets.sendText(joinInto(batch, ByteBuffer.allocate(total)), ch, WRITE_DONE, this);
            return;
        }
        PooledByteBuffer pooled = ch.getBufferPool().allocate();
        joinInto(batch, pooled.getBuffer());
        WebSockets.sendText(pooled, ch, WRITE_DONE, this); // the channel closes the pooled buffer once written
    }

    /** Fills {@code target} with the batch's envelopes, newline-separated, and returns it ready to read. */
    private static ByteBuffer joinInto(List<Frame> batch, ByteBuffer target) {
        target.clear();
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                target.put(NEWLINE);
            }
            batch.get(i).copyTo(target);
        }
        return target.flip();
    }

    /** Tells the listeners what the write of {@code batch} carries. */
    private void reportWrite(List<Frame> batch) {
        if (services.listeners().isEmpty()) {
            return;
        }
        int n = batch.size();
        long bytes = batching ? n - 1 : 0;
        for (int i = 0; i < n; i++) {
            bytes += batch.get(i).length();
        }
        WriteRecord write = new WriteRecord(batching ? 1 : n, n, bytes, n + queue.size());
        forEachListener(l -> l.onFramesWritten(this, write));
    }

    /** One shared, stateless callback for every write (the connection travels as context). */
    private static final WebSocketCallback<Connection> WRITE_DONE = new WebSocketCallback<>() {
        @Override
        public void complete(WebSocketChannel ch, Connection connection) {
            connection.writeInFlight = false;
            connection.drain();
        }

        @Override
        public void onError(WebSocketChannel ch, Connection connection, Throwable error) {
            connection.writeInFlight = false;
            log.debug("connection {} write failed: {}", connection.id, error.toString());
            IoUtils.safeClose(ch);
        }
    };

    /** Ends the connection once the echo of the peer's close frame is written (or failed). */
    private static final WebSocketCallback<Void> END_AFTER_CLOSE_ECHO = new WebSocketCallback<>() {
        @Override
        public void complete(WebSocketChannel ch, Void context) {
            IoUtils.safeClose(ch);
        }

        @Override
        public void onError(WebSocketChannel ch, Void context, Throwable error) {
            IoUtils.safeClose(ch);
        }
    };

    /**
     * Our close frame is written: if the peer's close already arrived (it crossed ours while ours
     * waited behind queued data), both are exchanged and the connection ends now.
     */
    private static final WebSocketCallback<Connection> OUR_CLOSE_WRITTEN = new WebSocketCallback<>() {
        @Override
        public void complete(WebSocketChannel ch, Connection connection) {
            connection.ourCloseWritten = true;
            if (connection.peerClose != null) {
                IoUtils.safeClose(ch);
            }
        }

        @Override
        public void onError(WebSocketChannel ch, Connection connection, Throwable error) {
            IoUtils.safeClose(ch);
        }
    };

    // ---- heartbeat (I/O thread) -----------------------------------------------------------------

    private void scheduleHeartbeat() {
        heartbeat = channel.getIoThread().executeAfter(this::heartbeat,
                services.config().pingPeriod().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Pings the client; a client silent for longer than {@code pongWait} is closed. */
    private void heartbeat() {
        WebSocketChannel ch = channel;
        if (!ch.isOpen() || closing != null) {
            return;
        }
        if (receivesPaused) {
            // We stopped reading because the handler is behind, so the client's pongs wait unread in
            // the socket: the silence is ours, not the client's. Counting resumes with reading.
            lastSeenNanos = services.clock().nanoTime();
        }
        long silentNanos = services.clock().nanoTime() - lastSeenNanos;
        if (silentNanos > services.config().pongWait().toNanos()) {
            Duration silence = Duration.ofNanos(silentNanos);
            forEachListener(l -> l.onHeartbeatTimeout(this, silence));
            withConnectionMdc(() -> log.info("connection {} sent nothing, not even a pong, for {} ms; closing", id,
                    TimeUnit.NANOSECONDS.toMillis(silentNanos)));
            closeOnIoThread(CloseReason.of(CloseCode.GOING_AWAY, "pong timeout"));
            return;
        }
        if (pingSentNanos == 0) { // a pong answers the oldest unanswered ping
            pingSentNanos = services.clock().nanoTime();
        }
        WebSockets.sendPing(ByteBuffer.allocate(0), ch, null);
        scheduleHeartbeat();
    }

    // ---- 6. close and cleanup ------------------------------------------------------------------

    @Override
    public void close(CloseReason reason) {
        if (!CLOSING.compareAndSet(this, null, reason)) {
            if (drainBeforeClose) {
                // A drained close is under way (shutdown) but the deadline came: stop waiting for the
                // client to read, keep the first reason, and cut the connection now.
                drainBeforeClose = false;
                queue.close();
                leaveHubNow();
                runOnIoThread(this::abortFromIoThread);
            }
            return;
        }
        queue.close();
        leaveHubNow();
        // Before attach (the 101 may already be on the wire) this does nothing: attach sees `closing`
        // and sends the close frame itself; an upgrade that never completes ends in abandonIfNotAttached.
        runOnIoThread(this::closeFromIoThread);
    }

    @Override
    public void closeAfterDrain(CloseReason reason) {
        if (closing != null) {
            return;
        }
        // Written before `closing`, so attach never sees this close without knowing it must drain
        // first; if another close wins the race below, the flag only adds a harmless extra drain.
        drainBeforeClose = true;
        if (!CLOSING.compareAndSet(this, null, reason)) {
            return;
        }
        runOnIoThread(this::drain); // an idle queue drains nothing and goes straight to the close frame
    }

    /**
     * Called when the HTTP connection closes: a connection that never reached {@link #attach} (the
     * client left before the upgrade completed) is released here, since no channel will ever close.
     */
    public void abandonIfNotAttached() {
        if (channel == null) {
            CLOSING.compareAndSet(this, null, CloseReason.of(CloseCode.GOING_AWAY, "upgrade not completed"));
            queue.close();
            cleanupOnce();
        }
    }

    @Override
    public boolean isOpen() {
        return closing == null && cleanedUp == 0;
    }

    private void closeOnIoThread(CloseReason reason) {
        if (CLOSING.compareAndSet(this, null, reason)) {
            queue.close();
            leaveHubNow();
            closeFromIoThread();
        }
    }

    /**
     * A connection closed without draining takes no more frames, so it leaves its rooms and its
     * slot at once instead of when the close handshake ends (up to {@code CLOSE_GRACE_MILLIS} later):
     * otherwise every broadcast meanwhile would still offer it the frame and count it as closed again
     * (a slow consumer closed with 1013 was counted once per message), and the other members would
     * see it in the room. {@link #cleanupOnce} disconnects again, harmlessly (it is idempotent).
     * {@link #closeAfterDrain} does not leave early: shutdown waits for the drained close.
     */
    private void leaveHubNow() {
        services.hub().disconnect(this);
    }

    /** Sends our close frame once, then gives the client a grace period to answer before cutting the socket. */
    private void closeFromIoThread() {
        WebSocketChannel ch = channel;
        if (closeFrameQueued || ch == null) {
            return;
        }
        closeFrameQueued = true;
        queue.close();
        CloseReason reason = closing;
        if (!ch.isOpen() || ch.isCloseFrameSent()) {
            IoUtils.safeClose(ch);
            return;
        }
        WebSockets.sendClose(reason.code().code(), reason.reason(), ch, OUR_CLOSE_WRITTEN, this);
        try {
            ch.getIoThread().executeAfter(() -> IoUtils.safeClose(ch), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The server is stopping and this I/O thread with it: no timer runs any more, and the
            // worker closes every channel on its way out, so there is no grace period to wait for.
            IoUtils.safeClose(ch);
        }
    }

    /**
     * Sends the close frame if it was not sent yet, then ends the TCP connection shortly after without
     * waiting for the client: a client that stopped reading would never let the frame through anyway.
     */
    private void abortFromIoThread() {
        WebSocketChannel ch = channel;
        if (ch == null) {
            return;
        }
        if (!closeFrameQueued && ch.isOpen() && !ch.isCloseFrameSent()) {
            closeFrameQueued = true;
            CloseReason reason = closing;
            WebSockets.sendClose(reason.code().code(), reason.reason(), ch, null);
        }
        try {
            ch.getIoThread().executeAfter(() -> IoUtils.safeClose(ch), ABORT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            IoUtils.safeClose(ch);
        }
    }

    /**
     * Runs once, whoever gets here first (channel close task, close before the upgrade): leaves every
     * room, ends the reader thread and the heartbeat, and tells the listeners exactly once.
     */
    private void cleanupOnce() {
        if (!CLEANED_UP.compareAndSet(this, 0, 1)) {
            return;
        }
        queue.close();
        services.hub().disconnect(this);
        inbox.clear(); // a running reader finds it empty and ends
        inboxSize = 0;
        XnioExecutor.Key timer = heartbeat;
        if (timer != null) {
            timer.remove();
        }
        int code;
        String reason;
        CloseReason ours = closing;
        CloseMessage theirs = peerClose;
        if (ours != null) {
            code = ours.code().code();
            reason = ours.reason();
        } else if (theirs != null) {
            code = theirs.getCode();
            reason = "closed by client";
        } else if (!connectionLost && channel != null && channel.isCloseFrameSent()
                && (channel.getCloseCode() == CloseMessage.MSG_CONTAINS_INVALID_DATA
                        || channel.getCloseCode() == CloseMessage.PROTOCOL_ERROR)) {
            // Undertow closed on its own for a protocol error it detected while reading (1007 for
            // invalid UTF-8, 1002 for a corrupt frame); its close reason may quote the error, so not used.
            code = channel.getCloseCode();
            reason = "protocol error";
        } else {
            code = NO_CLOSE_FRAME;
            reason = "connection lost";
        }
        Duration lifetime = Duration.ofNanos(services.clock().nanoTime() - openedNanos);
        forEachListener(l -> l.onClosed(this, code, reason, lifetime));
        // A normal close (1000, 1001) is routine and logged at DEBUG; any other code is worth a line at INFO.
        boolean routine = code == CloseCode.NORMAL.code() || code == CloseCode.GOING_AWAY.code();
        withConnectionMdc(() -> log.atLevel(routine ? Level.DEBUG : Level.INFO)
                .log("closed connection {} subject={} code={} reason={}", id, identity.subject(), code, reason));
    }

    private void runOnIoThread(Runnable task) {
        WebSocketChannel ch = channel;
        if (ch == null) {
            return;
        }
        XnioIoThread io = ch.getIoThread();
        if (Thread.currentThread() == io) {
            task.run();
        } else {
            try {
                io.execute(task);
            } catch (RejectedExecutionException e) {
                // The I/O thread is stopping with the server and closes its channels on its way out:
                // whatever the task would have written or closed is moot.
                log.debug("connection {}: I/O thread stopping, task dropped", id);
            }
        }
    }

    /**
     * Runs {@code logging} with this connection's id in the MDC, for log lines written on threads
     * other than the reader (which keeps it there), restoring whatever the thread had.
     */
    private void withConnectionMdc(Runnable logging) {
        if (!log.isInfoEnabled()) { // every caller logs at INFO; skip the MDC work when that is off
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

    private void forEachListener(java.util.function.Consumer<ConnectionListener> call) {
        for (ConnectionListener l : services.listeners()) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
    }

    /** Frames queued for this connection now (for tests and introspection). */
    public int queuedFrames() {
        return queue.size();
    }

    @Override
    public String toString() {
        return "Connection[" + id + ", subject=" + identity.subject() + "]";
    }
}
