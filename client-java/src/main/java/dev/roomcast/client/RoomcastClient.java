package dev.roomcast.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.client.internal.ServerEnvelopes;
import dev.roomcast.core.Clock;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.StreamPosition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A client of a Roomcast server on the JDK's {@link java.net.http.WebSocket}: {@link #join}, {@link #leave},
 * {@link #publish} and application events, each answered by a {@link CompletionStage} correlated by
 * {@code id}; server events dispatched through an explicit {@link ClientRouter}; reconnects with
 * {@link Backoff} and rejoins its rooms.
 *
 * <p>History rooms: the client remembers, per room, the {@code offset} and {@code epoch} of the last
 * message it received ({@link #position}) and rejoins after a reconnect with {@code since} set to it, so
 * the server sends what it missed before anything new. The {@code joined} reply of that rejoin (which the
 * router receives like every event) says {@code recovered: true|false}: false means messages were lost
 * (the history no longer holds them, or it was reset) and the application should reload the room's state.
 * A message at or before the remembered offset of the same epoch is dropped, never delivered twice.
 *
 * <p>States (see {@link ClientState}): {@link #connect()} → {@code CONNECTING} → {@code OPEN}; a lost
 * connection that may be retried → {@code RECONNECTING} → (after a backoff with full jitter, or the server's
 * {@code reconnectAfterMs} hint after a {@code shutdown} event) → {@code OPEN}, rejoining every room it
 * was in; a terminal close or refusal (see {@link Disconnect}) or {@link #close()} → {@code CLOSED}, final.
 * Every attempt asks the token supplier for a fresh token.
 *
 * <p>Requests: each gets an id; its stage completes with the server's reply ({@code joined} for join,
 * {@code left} for leave), fails with {@link ServerErrorException} on the server's {@code error} for that
 * id, with {@link DisconnectedException} when the connection ends after it was written and before the
 * answer, with {@link TimeoutException} after {@code replyTimeout} counted from the call, and with
 * {@link OutgoingBufferFullException} under the buffer's {@link OverflowPolicy}. A publish has no reply
 * on success, so the client follows written publishes with one {@code ping} (at most one in flight):
 * the server handles a connection's messages in order, so its {@code pong} means every publish before
 * it was handled, and those stages complete. Messages not yet written (while disconnected, or while the
 * socket is behind) wait in a buffer of at most {@code outgoingBufferSize} and are written, after the
 * rejoins, once connected again.
 *
 * <p>Thread-safe. Stages complete, and router handlers and the state listener run, on the WebSocket's
 * callback threads or the scheduler's, never while the client holds its lock.
 */
public final class RoomcastClient implements AutoCloseable {
    private static final System.Logger log = System.getLogger(RoomcastClient.class.getName());
    /** The subprotocol the client asks for: the server may batch several envelopes into one frame. */
    public static final String BATCH_SUBPROTOCOL = "roomcast.batch.v1";

    private enum Kind { JOIN, REJOIN, LEAVE, PUBLISH, SEND, REQUEST }

    private final URI uri;
    private final Supplier<String> tokens;
    private final Map<String, String> headers;
    private final ClientRouter router;
    private final StateListener stateListener;
    private final Backoff backoff;
    private final int maxReconnectAttempts;
    private final Duration replyTimeout;
    private final Duration connectTimeout;
    private final int outgoingBufferSize;
    private final OverflowPolicy overflowPolicy;
    private final Scheduler scheduler;
    /** The scheduler's executor when the client made it (ended at CLOSED), else null. */
    private final ScheduledExecutorService ownedExecutor;
    private final HttpClient http;
    private final boolean ownsHttp;
    private final RandomGenerator random;
    private final Clock clock;
    private final EnvelopeCodec codec;

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}; null until {@link #connect()}. */
    private ClientState state;
    /** Guarded by {@link #lock}: bumped per attempt and per loss, so callbacks of an older socket are ignored. */
    private int generation;
    /** Guarded by {@link #lock}: the open socket, else null. */
    private WebSocket socket;
    /** Guarded by {@link #lock}: a write is under way (the JDK socket allows one outstanding send). */
    private boolean writing;
    /** Guarded by {@link #lock}: messages not yet written, oldest first. */
    private final Deque<Outgoing> outbox = new ArrayDeque<>();
    /** Guarded by {@link #lock}: requests awaiting their answer, by id. */
    private final Map<String, Request> requests = new HashMap<>();
    /** Guarded by {@link #lock}: rooms this client is in (joined and not left), with the password used. */
    private final Map<String, Optional<String>> rooms = new LinkedHashMap<>();
    /** Guarded by {@link #lock}: the last position seen per history room, sent as {@code since} on rejoin. */
    private final Map<String, StreamPosition> positions = new HashMap<>();
    /** Guarded by {@link #lock}: failed attempts since the last open. */
    private int attempts;
    /** Guarded by {@link #lock}: the server's reconnect hint as a {@link Clock#nanoTime()} deadline, if one came. */
    private Long reconnectNotBefore;
    /** Guarded by {@link #lock}: the scheduled reconnect, if any. */
    private Scheduler.Cancellable pendingReconnect;
    /** Guarded by {@link #lock}: ids of written publishes no ping covers yet. */
    private final List<String> unconfirmed = new ArrayList<>();
    /** Guarded by {@link #lock}: the id of the ping in flight, and the publishes its pong confirms. */
    private String barrierId;
    private List<String> barrierCovers = List.of();
    /** Guarded by {@link #lock}. */
    private long nextId;
    private final CompletableFuture<Void> firstOpen = new CompletableFuture<>();

    private RoomcastClient(Builder b) {
        this.uri = b.uri;
        this.tokens = b.tokens;
        this.headers = Map.copyOf(b.headers);
        this.router = b.router;
        this.stateListener = b.stateListener;
        this.backoff = b.backoff;
        this.maxReconnectAttempts = b.maxReconnectAttempts;
        this.replyTimeout = b.replyTimeout;
        this.connectTimeout = b.connectTimeout;
        this.outgoingBufferSize = b.outgoingBufferSize;
        this.overflowPolicy = b.overflowPolicy;
        if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("roomcast-client-scheduler").factory());
            this.scheduler = Scheduler.of(ownedExecutor);
        }
        this.ownsHttp = b.http == null;
        this.http = b.http != null ? b.http : HttpClient.newHttpClient();
        this.random = b.random;
        this.clock = b.clock;
        this.codec = new EnvelopeCodec(b.maxMessageBytes);
    }

    /** A builder for a client of the server at {@code uri}, e.g. {@code ws://127.0.0.1:8080/ws}. */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    // ---- open --------------------------------------------------------------------------------

    /**
     * Starts connecting. The stage completes when the client is first {@code OPEN} (after as many
     * reconnect attempts as that takes), or fails with {@link DisconnectedException} if it reaches
     * {@code CLOSED} first. Calling it again returns the same stage. Never blocks.
     */
    public CompletionStage<Void> connect() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (state == null) {
                state = ClientState.CONNECTING;
                after.add(() -> stateListener.onStateChanged(ClientState.CONNECTING, Optional.empty()));
                after.add(this::attempt);
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        return firstOpen.copy();
    }

    /** The current state; null before {@link #connect()}. */
    public ClientState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** The rooms this client is in, and rejoins after reconnecting, in join order. */
    public Set<String> rooms() {
        lock.lock();
        try {
            return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(rooms.keySet()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The offset and epoch of the last message received in {@code room} (or of the {@code joined}
     * reply), if the room keeps a history; what the next rejoin passes as {@code since}.
     */
    public Optional<StreamPosition> position(String room) {
        lock.lock();
        try {
            return Optional.ofNullable(positions.get(room));
        } finally {
            lock.unlock();
        }
    }

    // ---- send --------------------------------------------------------------------------------

    /** Joins {@code room}; completes with the {@code joined} reply (its payload lists the members). */
    public CompletionStage<Envelope> join(String room) {
        return join(room, Optional.empty());
    }

    /** Joins a password-protected {@code room}; the password travels in the join payload, also on rejoin. */
    public CompletionStage<Envelope> join(String room, String password) {
        return join(room, Optional.of(Objects.requireNonNull(password, "password")));
    }

    private CompletionStage<Envelope> join(String room, Optional<String> password) {
        RoomName name = RoomName.of(room);
        return submit(Kind.JOIN, joinEnvelope(name, password), room, password);
    }

    /** Leaves {@code room}; completes with the {@code left} reply, after which the room is not rejoined. */
    public CompletionStage<Envelope> leave(String room) {
        RoomName name = RoomName.of(room);
        return submit(Kind.LEAVE, Envelope.toRoom("leave", name, null), room, Optional.empty());
    }

    /**
     * Publishes {@code payload} (any value Jackson can write) to {@code room}, which this client must be
     * in. Completes once the server has handled it (confirmed by the ping that follows it); fails with
     * {@link ServerErrorException} if refused ({@code NOT_IN_ROOM}; {@link dev.roomcast.core.ErrorCode#PUBLISH_FORBIDDEN
     * PUBLISH_FORBIDDEN} in a room joined subscribe-only, where the client stays a member; {@code RATE_LIMITED}, ...).
     */
    public CompletionStage<Void> publish(String room, Object payload) {
        RoomName name = RoomName.of(room);
        return submit(Kind.PUBLISH, Envelope.toRoom("publish", name, codec.toPayload(payload)), room, Optional.empty())
                .thenApply(reply -> null);
    }

    /**
     * Sends an application event of {@code type}; completes once the server has handled it (as for
     * {@link #publish}), or fails on its {@code error}.
     */
    public CompletionStage<Void> send(String type, Object payload) {
        return submit(Kind.SEND, Envelope.of(type, codec.toPayload(payload)), null, Optional.empty())
                .thenApply(reply -> null);
    }

    /**
     * Sends an application event of {@code type} whose handler answers with {@code context.reply(...)};
     * completes with that reply (the envelope carrying this request's id), or fails on its {@code error}.
     */
    public CompletionStage<Envelope> request(String type, Object payload) {
        return submit(Kind.REQUEST, Envelope.of(type, codec.toPayload(payload)), null, Optional.empty());
    }

    // ---- close -------------------------------------------------------------------------------

    /**
     * Closes for good: sends a 1000 close, fails every unanswered request with
     * {@link DisconnectedException}, stops reconnecting. Idempotent; never blocks.
     */
    @Override
    public void close() {
        List<Runnable> after = new ArrayList<>();
        WebSocket open;
        lock.lock();
        try {
            if (state == ClientState.CLOSED) {
                return;
            }
            open = socket;
            finishLocked(Disconnect.byClient(), after);
        } finally {
            lock.unlock();
        }
        if (open != null) {
            open.sendClose(WebSocket.NORMAL_CLOSURE, "client closed");
            // The server answers the close at once; should it not, the socket must not linger.
            CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(open::abort);
        }
        after.forEach(Runnable::run);
    }

    // ---- internals: requests -------------------------------------------------------------------

    private Envelope joinEnvelope(RoomName room, Optional<String> password) {
        return joinEnvelope(room, password, Optional.empty());
    }

    /** A join, with {@code since} for a rejoin of a history room whose last position the client knows. */
    private Envelope joinEnvelope(RoomName room, Optional<String> password, Optional<StreamPosition> since) {
        if (password.isEmpty() && since.isEmpty()) {
            return Envelope.toRoom("join", room, null);
        }
        var payload = codec.mapper().createObjectNode();
        password.ifPresent(p -> payload.put("password", p));
        since.ifPresent(p -> payload.putObject("since").put("offset", p.offset()).put("epoch", p.epoch()));
        return Envelope.toRoom("join", room, payload);
    }

    private CompletableFuture<Envelope> submit(Kind kind, Envelope envelope, String room, Optional<String> password) {
        List<Runnable> after = new ArrayList<>();
        Request request;
        lock.lock();
        try {
            if (state == ClientState.CLOSED) {
                return CompletableFuture.failedFuture(new IllegalStateException("the client is closed"));
            }
            request = new Request("c" + (++nextId), kind, room, password);
            if (outbox.size() >= outgoingBufferSize) {
                if (overflowPolicy == OverflowPolicy.FAIL_NEW) {
                    return CompletableFuture.failedFuture(new OutgoingBufferFullException(
                            "outgoing buffer full: expected at most " + outgoingBufferSize + " waiting messages"));
                }
                dropOldestLocked(after);
            }
            requests.put(request.id, request);
            outbox.addLast(new Outgoing(codec.encode(envelope.withId(Optional.of(request.id))).text(), request));
            request.timeout = scheduler.schedule(replyTimeout, () -> timedOut(request));
            writeNextLocked(after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        return request.future;
    }

    private void dropOldestLocked(List<Runnable> after) {
        for (Iterator<Outgoing> it = outbox.iterator(); it.hasNext(); ) {
            Outgoing o = it.next();
            // Rejoins and pings are the client's own and never count as the application's oldest.
            if (o.request != null && o.request.kind != Kind.REJOIN) {
                it.remove();
                failLocked(o.request, new OutgoingBufferFullException("dropped from the full outgoing buffer ("
                        + outgoingBufferSize + " messages) to make room for a newer one"), after);
                return;
            }
        }
    }

    private void timedOut(Request request) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (requests.get(request.id) != request) {
                return;
            }
            outbox.removeIf(o -> o.request == request);
            failLocked(request, new TimeoutException("no answer to " + request.kind.name().toLowerCase()
                    + " within " + replyTimeout.toMillis() + " ms"), after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    private void failLocked(Request request, Throwable cause, List<Runnable> after) {
        requests.remove(request.id);
        unconfirmed.remove(request.id);
        if (request.timeout != null) {
            request.timeout.cancel();
        }
        after.add(() -> request.future.completeExceptionally(cause));
    }

    private void completeLocked(Request request, Envelope reply, List<Runnable> after) {
        requests.remove(request.id);
        if (request.timeout != null) {
            request.timeout.cancel();
        }
        after.add(() -> request.future.complete(reply));
    }

    // ---- internals: writing --------------------------------------------------------------------

    /** If open and no write is under way, starts writing the next message (the write itself runs in {@code after}). */
    private void writeNextLocked(List<Runnable> after) {
        if (state != ClientState.OPEN || socket == null || writing) {
            return;
        }
        Outgoing next = outbox.pollFirst();
        if (next == null) {
            return;
        }
        writing = true;
        if (next.request != null) {
            next.request.written = true;
        }
        WebSocket ws = socket;
        int gen = generation;
        after.add(() -> ws.sendText(next.text, true).whenComplete((w, e) -> written(gen, next, e)));
    }

    private void written(int gen, Outgoing message, Throwable failure) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (gen != generation) {
                return;
            }
            writing = false;
            if (failure != null) {
                return; // the socket is failing; its onError or onClose reports the loss
            }
            Request r = message.request;
            if (r != null && (r.kind == Kind.PUBLISH || r.kind == Kind.SEND) && requests.get(r.id) == r) {
                unconfirmed.add(r.id);
                if (barrierId == null) {
                    startBarrierLocked();
                }
            }
            writeNextLocked(after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /** Queues a ping right behind the written publishes; its pong confirms them all. */
    private void startBarrierLocked() {
        barrierId = "p" + (++nextId);
        barrierCovers = List.copyOf(unconfirmed);
        unconfirmed.clear();
        outbox.addFirst(new Outgoing(codec.encode(Envelope.of("ping", null).withId(Optional.of(barrierId))).text(), null));
    }

    // ---- internals: connecting -----------------------------------------------------------------

    private void attempt() {
        int gen;
        lock.lock();
        try {
            if (state == ClientState.CLOSED) {
                return;
            }
            pendingReconnect = null;
            gen = ++generation;
        } finally {
            lock.unlock();
        }
        String token;
        try {
            token = tokens.get();
        } catch (RuntimeException e) {
            lost(gen, Disconnect.lost("the token supplier failed (" + e.getClass().getSimpleName() + ")"));
            return;
        }
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(connectTimeout).subprotocols(BATCH_SUBPROTOCOL);
        headers.forEach(builder::header);
        if (token != null && !token.isEmpty()) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            builder.buildAsync(uri, new Listener(gen)).whenComplete((ws, e) -> {
                if (e != null) {
                    lost(gen, refusal(e));
                }
            });
        } catch (RuntimeException e) {
            lost(gen, Disconnect.lost("the connection could not be started (" + e.getClass().getSimpleName() + ")"));
        }
    }

    private Disconnect refusal(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof WebSocketHandshakeException refused) {
                int status = refused.getResponse().statusCode();
                return Disconnect.refused(status, errorCodeOf(refused.getResponse().body()).orElse("HTTP " + status));
            }
        }
        return Disconnect.lost(t.getClass().getSimpleName());
    }

    /** The {@code error.code} of a refusal's JSON body, when the JDK kept the body. */
    private Optional<String> errorCodeOf(Object body) {
        if (!(body instanceof String text)) {
            return Optional.empty();
        }
        return codec.parseJson(text).map(n -> n.path("error").path("code")).filter(JsonNode::isTextual).map(JsonNode::textValue);
    }

    private void opened(int gen, WebSocket ws) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (gen != generation || state == ClientState.CLOSED) {
                after.add(ws::abort);
            } else {
                socket = ws;
                state = ClientState.OPEN;
                attempts = 0;
                reconnectNotBefore = null;
                queueRejoinsLocked();
                after.add(() -> stateListener.onStateChanged(ClientState.OPEN, Optional.empty()));
                after.add(() -> firstOpen.complete(null));
                writeNextLocked(after);
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /** Puts a join for every remembered room first in the outbox, in join order, ahead of what waited. */
    private void queueRejoinsLocked() {
        List<Map.Entry<String, Optional<String>>> remembered = new ArrayList<>(rooms.entrySet());
        for (int i = remembered.size() - 1; i >= 0; i--) {
            String room = remembered.get(i).getKey();
            Optional<String> password = remembered.get(i).getValue();
            Request r = new Request("r" + (++nextId), Kind.REJOIN, room, password);
            requests.put(r.id, r);
            r.timeout = scheduler.schedule(replyTimeout, () -> timedOut(r));
            outbox.addFirst(new Outgoing(codec.encode(joinEnvelope(RoomName.of(room), password,
                    Optional.ofNullable(positions.get(room))).withId(Optional.of(r.id))).text(), r));
        }
    }

    // ---- internals: receiving ------------------------------------------------------------------

    private void received(int gen, Envelope envelope, Optional<StreamPosition> position) {
        List<Runnable> after = new ArrayList<>();
        boolean internal = false;
        Disconnect rejoinRefused = null;
        lock.lock();
        try {
            if (gen != generation) {
                return;
            }
            Optional<String> id = envelope.id();
            if (position.isPresent() && envelope.room().isPresent() && !trackPositionLocked(envelope.room().get(), position.get())) {
                return; // seen already: a duplicate the server let through (see joinWithHistory on the server)
            }
            if (envelope.type().equals("shutdown")) {
                JsonNode hint = envelope.payload().get("reconnectAfterMs");
                if (hint != null && hint.canConvertToLong() && hint.asLong() >= 0) {
                    reconnectNotBefore = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(hint.asLong());
                }
            }
            if (envelope.type().equals("pong") && id.isPresent() && id.get().equals(barrierId)) {
                internal = true;
                for (String covered : barrierCovers) {
                    Request r = requests.get(covered);
                    if (r != null) {
                        completeLocked(r, envelope, after);
                    }
                }
                barrierId = null;
                barrierCovers = List.of();
                if (!unconfirmed.isEmpty()) {
                    startBarrierLocked();
                    writeNextLocked(after);
                }
            } else if (id.isPresent() && requests.containsKey(id.get())) {
                Request r = requests.get(id.get());
                if (envelope.type().equals("error")) {
                    String code = envelope.payload().path("code").asText("UNKNOWN");
                    failLocked(r, new ServerErrorException(code, envelope.payload().path("message").asText("")), after);
                    if (r.kind == Kind.REJOIN) {
                        rejoinRefused = Disconnect.rejoinRefused(r.room, code);
                    }
                } else {
                    if ((r.kind == Kind.JOIN || r.kind == Kind.REJOIN) && envelope.type().equals("joined")) {
                        rooms.put(r.room, r.password);
                        joinedPositionLocked(r.room, envelope.payload());
                    } else if (r.kind == Kind.LEAVE && envelope.type().equals("left")) {
                        rooms.remove(r.room);
                        positions.remove(r.room);
                    }
                    completeLocked(r, envelope, after);
                }
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        if (!internal) {
            try {
                router.dispatch(envelope, codec);
            } catch (Exception e) {
                log.log(System.Logger.Level.WARNING, "a client event handler for '" + envelope.type() + "' failed", e);
            }
        }
        if (rejoinRefused != null) {
            dropConnection(gen, rejoinRefused);
        }
    }

    /** Records a history message's position; false when it is not after the last one of the same epoch. */
    private boolean trackPositionLocked(String room, StreamPosition position) {
        StreamPosition last = positions.get(room);
        if (last != null && last.sameEpoch(position) && position.offset() <= last.offset()) {
            return false;
        }
        positions.put(room, position);
        return true;
    }

    /**
     * A {@code joined} reply's position: when it recovered, the missed messages follow and advance the
     * position themselves; otherwise live messages start after the position it states.
     */
    private void joinedPositionLocked(String room, JsonNode payload) {
        JsonNode offset = payload == null ? null : payload.get("offset");
        JsonNode epoch = payload == null ? null : payload.get("epoch");
        if (offset == null || !offset.canConvertToExactIntegral() || epoch == null || !epoch.isTextual()
                || !StreamPosition.isValidEpoch(epoch.textValue()) || payload.path("recovered").asBoolean(false)) {
            return;
        }
        positions.put(room, StreamPosition.of(Math.max(0, offset.asLong()), epoch.textValue()));
    }

    /** Ends the current connection on the client's own decision, then reconnects or closes as {@code why} says. */
    private void dropConnection(int gen, Disconnect why) {
        WebSocket ws;
        lock.lock();
        try {
            ws = gen == generation ? socket : null;
        } finally {
            lock.unlock();
        }
        lost(gen, why);
        if (ws != null) {
            ws.abort();
        }
    }

    /** A connection ended or an attempt failed: fail what was in flight, then reconnect or close. */
    private void lost(int gen, Disconnect why) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (gen != generation || state == ClientState.CLOSED) {
                return;
            }
            generation++;
            socket = null;
            writing = false;
            DisconnectedException cause = new DisconnectedException("the connection ended before the answer", why);
            for (Request r : List.copyOf(requests.values())) {
                if (r.written || r.kind == Kind.REJOIN) {
                    failLocked(r, cause, after);
                }
            }
            // Pings and rejoins are rebuilt on the next open; what the application queued stays, in order.
            outbox.removeIf(o -> o.request == null || o.request.kind == Kind.REJOIN);
            barrierId = null;
            barrierCovers = List.of();
            unconfirmed.clear();
            if (why.terminal()) {
                finishLocked(why, after);
            } else if (attempts >= maxReconnectAttempts) {
                finishLocked(new Disconnect(why.closeCode(), why.httpStatus(),
                        why.reason() + "; gave up after " + attempts + " reconnect attempts", true), after);
            } else {
                Duration delay = reconnectNotBefore != null
                        ? Duration.ofNanos(Math.max(0, reconnectNotBefore - clock.nanoTime()))
                        : backoff.delay(attempts, random);
                reconnectNotBefore = null;
                attempts++;
                state = ClientState.RECONNECTING;
                pendingReconnect = scheduler.schedule(delay, this::attempt);
                after.add(() -> stateListener.onStateChanged(ClientState.RECONNECTING, Optional.of(why)));
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    private void finishLocked(Disconnect why, List<Runnable> after) {
        state = ClientState.CLOSED;
        generation++;
        socket = null;
        if (pendingReconnect != null) {
            pendingReconnect.cancel();
            pendingReconnect = null;
        }
        DisconnectedException cause = new DisconnectedException("the client closed before the answer", why);
        for (Request r : List.copyOf(requests.values())) {
            failLocked(r, cause, after);
        }
        outbox.clear();
        after.add(() -> stateListener.onStateChanged(ClientState.CLOSED, Optional.of(why)));
        after.add(() -> firstOpen.completeExceptionally(new DisconnectedException("the client closed before it was open", why)));
        if (ownedExecutor != null) {
            after.add(ownedExecutor::shutdownNow);
        }
        if (ownsHttp) {
            // After the close handshake has had its second (see close()), the client's own HttpClient goes.
            after.add(() -> CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS).execute(http::shutdownNow));
        }
    }

    /** One socket's callbacks; {@code gen} ties them to the attempt that made it. */
    private final class Listener implements WebSocket.Listener {
        private final int gen;
        /** Owned by the WebSocket's callback thread (callbacks of one socket never overlap). */
        private final StringBuilder partial = new StringBuilder();

        Listener(int gen) {
            this.gen = gen;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
            opened(gen, webSocket);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            try {
                partial.append(data);
                if (last) {
                    String frame = partial.toString();
                    partial.setLength(0);
                    for (ServerEnvelopes.Received r : ServerEnvelopes.decodeFrameWithPositions(codec, frame)) {
                        received(gen, r.envelope(), r.position());
                    }
                }
            } finally {
                // The JDK delivers nothing more, not even onClose, until asked again.
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1); // the protocol is text; a binary frame carries nothing for us
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1); // the JDK answers the ping itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            webSocket.request(1);
            lost(gen, Disconnect.closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            lost(gen, Disconnect.lost(error.getClass().getSimpleName()));
        }
    }

    /** One request awaiting its answer. Fields other than the finals are guarded by the client's lock. */
    private static final class Request {
        final String id;
        final Kind kind;
        final String room;
        final Optional<String> password;
        final CompletableFuture<Envelope> future = new CompletableFuture<>();
        boolean written;
        Scheduler.Cancellable timeout;

        Request(String id, Kind kind, String room, Optional<String> password) {
            this.id = id;
            this.kind = kind;
            this.room = room;
            this.password = password;
        }
    }

    /** One encoded message waiting to be written; {@code request} is null for the client's own pings. */
    private record Outgoing(String text, Request request) {
    }

    /**
     * Collects a client's settings; every option states its default. Not thread-safe.
     */
    public static final class Builder {
        private final URI uri;
        private Supplier<String> tokens = () -> null;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private ClientRouter router = ClientRouter.empty();
        private StateListener stateListener = StateListener.none();
        private Backoff backoff = Backoff.defaults();
        private int maxReconnectAttempts = Integer.MAX_VALUE;
        private Duration replyTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int outgoingBufferSize = 256;
        private OverflowPolicy overflowPolicy = OverflowPolicy.FAIL_NEW;
        private Scheduler scheduler;
        private HttpClient http;
        private RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        private Clock clock = Clock.system();
        private long maxMessageBytes = 16L * 1024 * 1024;

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme())) {
                throw new IllegalArgumentException("uri: expected a ws:// or wss:// URI but was " + uri.getScheme());
            }
        }

        /**
         * Called on every connect and reconnect for the bearer token (sent as {@code Authorization: Bearer}),
         * so a refreshed token is used after a loss. Null or empty: no header. Default: no token.
         */
        public Builder tokenSupplier(Supplier<String> value) {
            this.tokens = Objects.requireNonNull(value, "tokenSupplier");
            return this;
        }

        /** An extra header sent with every upgrade, such as {@code Origin}. Default: none. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Dispatches the server's events. Default: {@link ClientRouter#empty()}. */
        public Builder router(ClientRouter value) {
            this.router = Objects.requireNonNull(value, "router");
            return this;
        }

        /** Hears state changes. Default: none. */
        public Builder stateListener(StateListener value) {
            this.stateListener = Objects.requireNonNull(value, "stateListener");
            return this;
        }

        /** The wait between reconnect attempts. Default: {@link Backoff#defaults()} (250 ms … 30 s, ×2, full jitter). */
        public Builder backoff(Backoff value) {
            this.backoff = Objects.requireNonNull(value, "backoff");
            return this;
        }

        /** Reconnect attempts in a row (without an open between) before the client gives up and closes. Default: unbounded. */
        public Builder maxReconnectAttempts(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxReconnectAttempts: expected >= 0 but was " + value);
            }
            this.maxReconnectAttempts = value;
            return this;
        }

        /** How long a request waits for its answer, counted from the call (time buffered included). Default 10 s. */
        public Builder replyTimeout(Duration value) {
            this.replyTimeout = positive(value, "replyTimeout");
            return this;
        }

        /** How long one upgrade may take. Default 10 s. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = positive(value, "connectTimeout");
            return this;
        }

        /** Messages that may wait unwritten, and what happens to one more. Default 256, {@link OverflowPolicy#FAIL_NEW}. */
        public Builder outgoingBuffer(int size, OverflowPolicy policy) {
            if (size < 1) {
                throw new IllegalArgumentException("outgoingBufferSize: expected >= 1 but was " + size);
            }
            this.outgoingBufferSize = size;
            this.overflowPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Runs reconnects and timeouts. Default: one daemon thread of the client's own, ended at CLOSED. */
        public Builder scheduler(Scheduler value) {
            this.scheduler = Objects.requireNonNull(value, "scheduler");
            return this;
        }

        /** The HTTP client the WebSockets come from (the caller owns it). Default: one of the client's own. */
        public Builder httpClient(HttpClient value) {
            this.http = Objects.requireNonNull(value, "httpClient");
            return this;
        }

        /** The jitter source of the backoff; seed it for repeatable waits. Default: a fresh L64X128MixRandom. */
        public Builder random(RandomGenerator value) {
            this.random = Objects.requireNonNull(value, "random");
            return this;
        }

        /** Times the server's reconnect hint. Default: {@link Clock#system()}. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Builds the client; nothing connects until {@link RoomcastClient#connect()}. */
        public RoomcastClient build() {
            return new RoomcastClient(this);
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": expected > 0 but was " + value);
            }
            return value;
        }
    }
}
