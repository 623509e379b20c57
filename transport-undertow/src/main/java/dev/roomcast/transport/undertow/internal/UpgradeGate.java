package dev.roomcast.transport.undertow.internal;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Identity;
import dev.roomcast.core.InboundRate;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomAccess;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.UpgradeRecord;
import dev.roomcast.hub.Admission;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.transport.undertow.internal.UpgradeRequestParser.Refusal;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of the upgrade contract (DESIGN §4), whichever way the HTTP request arrived: what the
 * request says ({@link UpgradeRequestParser}: query escapes, method, handshake headers, subprotocol,
 * origin, room names, token presence), whether the hub runs, token verification, room authorization,
 * the inbound rate, and the capacity reservation in the hub, plus the telemetry each outcome reports.
 * Both transports ask it, so the native Undertow handler and the Jakarta WebSocket filter refuse the
 * same requests with the same {@link ErrorCode}; each one only adapts its request to a
 * {@link UpgradeRequestParser.RequestView} and writes the answer.
 *
 * <p>It holds no Undertow or servlet types. {@link #check} is cheap and never blocks;
 * {@link #authenticate} may block exactly when {@link #tokenMayBlock} says so, and the room half of
 * the admission exactly when {@link #mayBlock(Authentication.Verified)} does, so a transport can keep
 * each half on its I/O thread when that half cannot block. Thread-safe; one per server.
 */
public final class UpgradeGate {
    private static final Logger log = LoggerFactory.getLogger(UpgradeGate.class);

    private final UpgradeRequestParser parser;
    private final Hub hub;
    private final RoomAuthorizer roomAuthorizer;
    private final Optional<TokenAuthenticator> tokens;
    private final InboundRatePolicy inboundRates;
    private final List<ConnectionListener> listeners;
    private final Clock clock;
    private final String idPrefix;
    private final AtomicLong nextId = new AtomicLong();

    public UpgradeGate(RoomcastConfig config, Hub hub, RoomAuthorizer roomAuthorizer, Optional<TokenAuthenticator> tokens,
                       InboundRatePolicy inboundRates, List<ConnectionListener> listeners, Clock clock, String idPrefix) {
        this.parser = new UpgradeRequestParser(config);
        this.hub = hub;
        this.roomAuthorizer = roomAuthorizer;
        this.tokens = tokens;
        this.inboundRates = inboundRates;
        this.listeners = List.copyOf(listeners);
        this.clock = clock;
        this.idPrefix = idPrefix;
    }

    /** When an upgrade started and the trace headers it came with, for the listeners' {@link UpgradeRecord}. */
    public record Attempt(Instant start, Optional<String> traceparent, Optional<String> tracestate) {
    }

    /** Builds the transport's peer for an admitted request, before the hub reserves its slot. */
    @FunctionalInterface
    public interface PeerFactory<P extends Peer> {
        P create(ConnectionId id, Identity identity, InboundRate inboundRate);
    }

    /** The outcome of {@link #admit}. */
    public sealed interface Admission<P extends Peer> {
        /** The peer holds a slot in the hub and has joined the requested rooms; answer 101 now. */
        record Admitted<P extends Peer>(P peer) implements Admission<P> {
        }

        /** Nothing is reserved; answer the refusal. */
        record Refused<P extends Peer>(UpgradeRequestParser.Refusal refusal) implements Admission<P> {
        }
    }

    /** Starts the record of one upgrade attempt. */
    public Attempt attempt(Optional<String> traceparent, Optional<String> tracestate) {
        return new Attempt(clock.now(), traceparent, tracestate);
    }

    /**
     * Steps 0 to 8a, what the request itself says ({@link UpgradeRequestParser#parse}), then whether the
     * hub still runs: a {@link UpgradeRequestParser.Parsed} request goes on to {@link #admit}. Never blocks.
     */
    public UpgradeRequestParser.Result check(UpgradeRequestParser.RequestView request) {
        UpgradeRequestParser.Result result = parser.parse(request);
        if (result instanceof UpgradeRequestParser.Parsed && !hub.isRunning()) {
            return Refusal.of(ErrorCode.SHUTTING_DOWN, "hub not running");
        }
        return result;
    }

    /** The outcome of {@link #authenticate}. */
    public sealed interface Authentication {
        /**
         * The token is verified (or none was sent and anonymous access applies): who the request is,
         * where it comes from, and the room requests it makes, not yet authorized. Nothing is reserved yet.
         */
        record Verified(ConnectionId id, Identity identity, String clientAddress, List<RoomAccessRequest> rooms)
                implements Authentication {
            public Verified {
                rooms = List.copyOf(rooms);
            }
        }

        /** Nothing is reserved; answer the refusal. */
        record Refused(UpgradeRequestParser.Refusal refusal) implements Authentication {
        }
    }

    /** Whether {@link #authenticate} may block for this request: then it must not run on an I/O thread. */
    public boolean tokenMayBlock(UpgradeRequestParser.Parsed request) {
        return request.token().isPresent() && tokens.isPresent() && tokens.get().mayBlock();
    }

    /**
     * Whether {@link #admit(Authentication.Verified, PeerFactory)} may block for these rooms: the room
     * authorizer says so for one of the requests it will get, or joins wait for the cluster (a bus
     * answers a join with the other nodes' members, read from Redis). Quick; never blocks.
     */
    public boolean mayBlock(Authentication.Verified verified) {
        if (verified.rooms().isEmpty()) {
            return false;
        }
        if (hub.joinsWaitForCluster()) {
            return true;
        }
        for (RoomAccessRequest room : verified.rooms()) {
            try {
                if (roomAuthorizer.mayBlock(room)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // A broken answer must not fail the upgrade on the I/O thread: assume the worst and move
                // the rooms off it, where authorize() decides (a failure there is a 500 INTERNAL).
                log.warn("the room authorizer's mayBlock failed for connection {}", verified.id(), e);
                return true;
            }
        }
        return false;
    }

    /**
     * Steps 8b to 10 in one call, for a caller already off the I/O threads: {@link #authenticate}, then
     * {@link #admit(Authentication.Verified, PeerFactory)}.
     */
    public <P extends Peer> Admission<P> admit(String clientAddress, UpgradeRequestParser.Parsed request,
                                               PeerFactory<P> peers) {
        return switch (authenticate(clientAddress, request)) {
            case Authentication.Refused refused -> new Admission.Refused<>(refused.refusal());
            case Authentication.Verified verified -> admit(verified, peers);
        };
    }

    /**
     * Step 8b: verifies the token, even when anonymous access is allowed, and names the connection.
     * Blocks exactly when {@link #tokenMayBlock} says so. Reports nothing.
     */
    public Authentication authenticate(String clientAddress, UpgradeRequestParser.Parsed request) {
        ConnectionId id = ConnectionId.of(idPrefix + Long.toString(nextId.incrementAndGet(), 36));
        Identity identity;
        if (request.token().isPresent()) {
            if (tokens.isEmpty()) {
                return new Authentication.Refused(new Refusal(ErrorCode.INVALID_TOKEN,
                        "token supplied but no authenticator is configured", Map.of(), Optional.of("no_authenticator")));
            }
            AuthResult result;
            try {
                result = tokens.get().authenticate(request.token().get());
            } catch (RuntimeException e) {
                // The port says it never throws for a bad token, so this is a bug or an outage: a 500
                // with the contract's body, not Undertow's bare one, and never the token in the log.
                log.error("the token authenticator failed for connection {}", id, e);
                return new Authentication.Refused(Refusal.of(ErrorCode.INTERNAL, "the token authenticator failed"));
            }
            switch (result) {
                case AuthResult.Authenticated ok -> identity = ok.identity();
                case AuthResult.Rejected no -> {
                    return new Authentication.Refused(new Refusal(ErrorCode.INVALID_TOKEN, "token rejected: " + no.reason(),
                            Map.of(), Optional.of(no.reason())));
                }
            }
        } else {
            identity = Identity.anonymous(id);
        }
        List<RoomAccessRequest> rooms = new ArrayList<>(request.rooms().size());
        for (String room : request.rooms()) {
            rooms.add(new RoomAccessRequest(identity, RoomName.of(room), request.roomPassword(), clientAddress));
        }
        return new Authentication.Verified(id, identity, clientAddress, rooms);
    }

    /**
     * Steps 9 to 10: authorizes each room, asks the inbound rate, builds the peer and reserves its slot
     * and rooms in the hub (the joins complete before the peer has a socket, so nothing queued for it
     * can leave early). Blocks exactly when {@link #mayBlock(Authentication.Verified)} says so. On
     * refusal nothing stays reserved. Reports neither outcome: the caller does, with
     * {@link #reportAccepted} or {@link #reportRefused}, when it answers.
     */
    public <P extends Peer> Admission<P> admit(Authentication.Verified verified, PeerFactory<P> peers) {
        ConnectionId id = verified.id();
        Identity identity = verified.identity();
        // 9. room authorization; what each room allows (receive, or also publish) goes with its join
        List<RoomAccess> accesses = new ArrayList<>(verified.rooms().size());
        for (RoomAccessRequest room : verified.rooms()) {
            RoomDecision decision;
            try {
                decision = roomAuthorizer.authorize(room);
            } catch (RuntimeException e) {
                log.error("the room authorizer failed for connection {} and room {}", id, room.room(), e);
                return new Admission.Refused<>(Refusal.of(ErrorCode.INTERNAL, "the room authorizer failed"));
            }
            switch (decision) {
                case RoomDecision.Denied denied -> {
                    notifyListeners(l -> l.onRoomAccessDenied(room.room(), denied.code()));
                    return new Admission.Refused<>(Refusal.of(denied.code(), "room " + room.room() + " refused: " + denied.reason()));
                }
                case RoomDecision.Allowed allowed -> accesses.add(allowed.access());
            }
        }
        // 9b. the inbound rate, decided once from the verified identity: no lookup per message
        InboundRate inboundRate;
        try {
            inboundRate = inboundRates.rateFor(identity);
        } catch (RuntimeException e) {
            log.error("the inbound rate policy failed for connection {}", id, e);
            inboundRate = null;
        }
        if (inboundRate == null) {
            return new Admission.Refused<>(Refusal.of(ErrorCode.INTERNAL, "the inbound rate policy gave no rate"));
        }
        // 10. capacity: the slot and the rooms are reserved before the 101
        P peer = peers.create(id, identity, inboundRate);
        if (hub.tryConnect(peer) instanceof dev.roomcast.hub.Admission.Refused refused) {
            return new Admission.Refused<>(Refusal.of(refused.code(), "hub refused the connection"));
        }
        for (int i = 0; i < verified.rooms().size(); i++) {
            String room = verified.rooms().get(i).room().toString();
            if (hub.tryJoinBeforeOpen(peer, room, accesses.get(i)) instanceof JoinResult.Refused refused) {
                hub.disconnect(peer);
                return new Admission.Refused<>(Refusal.of(refused.code(), "join of " + room + " refused: " + refused.reason()));
            }
        }
        return new Admission.Admitted<>(peer);
    }

    /** Tells the listeners an upgrade was accepted; call before anything can close the peer. */
    public void reportAccepted(ConnectionId id, Attempt attempt) {
        UpgradeRecord accepted = UpgradeRecord.accepted(id, attempt.traceparent(), attempt.tracestate(), attempt.start(),
                clock.now());
        notifyListeners(l -> l.onUpgradeAttempted(accepted));
    }

    /** Logs a refusal (never the token or password) and tells the listeners; the caller writes the answer. */
    public void reportRefused(Refusal refusal, String clientAddress, Optional<Attempt> attempt) {
        ErrorCode code = refusal.code();
        log.info("upgrade refused {} {} from {}: {}", code.httpStatus(), code, clientAddress, refusal.detail());
        notifyListeners(l -> l.onUpgradeRejected(code, refusal.detail()));
        attempt.ifPresent(a -> {
            UpgradeRecord rejected = UpgradeRecord.rejected(code, refusal.authFailure(), a.traceparent(), a.tracestate(),
                    a.start(), clock.now());
            notifyListeners(l -> l.onUpgradeAttempted(rejected));
        });
    }

    /** A short random prefix, so connection ids of two servers (or two runs) never collide in logs. */
    public static String randomIdPrefix() {
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder(7);
        for (int i = 0; i < 6; i++) {
            b.append(Character.forDigit(random.nextInt(36), 36));
        }
        return b.append('-').toString();
    }

    private void notifyListeners(Consumer<ConnectionListener> call) {
        for (ConnectionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("a connection listener failed", e);
            }
        }
    }
}
