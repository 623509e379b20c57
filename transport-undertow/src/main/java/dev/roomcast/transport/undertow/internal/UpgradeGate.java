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
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of the upgrade contract (DESIGN §4) that do not depend on how the HTTP request
 * arrived: origin, room names, token presence and verification, room authorization, the inbound
 * rate, and the capacity reservation in the hub, plus the telemetry each outcome reports. Both
 * transports ask it, so the native Undertow handler and the Jakarta WebSocket filter refuse the same
 * requests with the same {@link ErrorCode}; each one only reads its request and writes its answer.
 *
 * <p>It holds no Undertow or servlet types. {@link #precheck} is cheap and never blocks;
 * {@link #admit} may block exactly when {@link #mayBlock} says so. Thread-safe; one per server.
 */
public final class UpgradeGate {
    private static final Logger log = LoggerFactory.getLogger(UpgradeGate.class);

    private final RoomcastConfig config;
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
        this.config = config;
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

    /** What the request asks for, once its headers and query are read. */
    public record Request(String clientAddress, List<String> rooms, Optional<String> token, Optional<String> roomPassword) {
        public Request {
            rooms = List.copyOf(rooms);
        }
    }

    /** Why an upgrade is refused: the contract's code, a log detail, and for token refusals a short fixed word. */
    public record Refusal(ErrorCode code, String detail, Optional<String> authFailure) {
        static Refusal of(ErrorCode code, String detail) {
            return new Refusal(code, detail, Optional.empty());
        }
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
        record Refused<P extends Peer>(Refusal refusal) implements Admission<P> {
        }
    }

    /** Starts the record of one upgrade attempt. */
    public Attempt attempt(Optional<String> traceparent, Optional<String> tracestate) {
        return new Attempt(clock.now(), traceparent, tracestate);
    }

    /**
     * Steps 6 to 8a: the origin (exact match against the allow-list; no {@code Origin} = not a browser
     * = allowed), the room names, token presence, and whether the hub still runs. Never blocks.
     */
    public Optional<Refusal> precheck(Optional<String> origin, List<String> rooms, Optional<String> token) {
        if (origin.isPresent() && !config.allowAllOrigins() && !config.allowedOrigins().contains(origin.get())) {
            return Optional.of(Refusal.of(ErrorCode.FORBIDDEN_ORIGIN, "origin not in the allow-list"));
        }
        for (String room : rooms) {
            if (!RoomName.isValid(room)) {
                return Optional.of(Refusal.of(ErrorCode.INVALID_ROOM, "invalid room name at upgrade"));
            }
        }
        if (token.isEmpty() && !config.allowUnauthenticated()) {
            return Optional.of(new Refusal(ErrorCode.TOKEN_REQUIRED, "no bearer token", Optional.of("missing")));
        }
        if (!hub.isRunning()) {
            return Optional.of(Refusal.of(ErrorCode.SHUTTING_DOWN, "hub not running"));
        }
        return Optional.empty();
    }

    /** Whether {@link #admit} may block for this request: then it must not run on an I/O thread. */
    public boolean mayBlock(Optional<String> token, List<String> rooms) {
        boolean tokenMayBlock = token.isPresent() && tokens.isPresent() && tokens.get().mayBlock();
        // A cluster bus answers a join with the other nodes' members, read from Redis: worth a virtual thread.
        boolean roomsMayBlock = !rooms.isEmpty() && (roomAuthorizer.mayBlock() || hub.joinsWaitForCluster());
        return tokenMayBlock || roomsMayBlock;
    }

    /**
     * Steps 8b to 10: verifies the token, authorizes each room, asks the inbound rate, builds the peer
     * and reserves its slot and rooms in the hub (the joins complete before the peer has a socket, so
     * nothing queued for it can leave early). On refusal nothing stays reserved. Reports neither
     * outcome: the caller does, with {@link #reportAccepted} or {@link #reportRefused}, when it answers.
     */
    public <P extends Peer> Admission<P> admit(Request request, PeerFactory<P> peers) {
        ConnectionId id = ConnectionId.of(idPrefix + Long.toString(nextId.incrementAndGet(), 36));
        // 8b. token verification; a supplied token is verified even when anonymous access is allowed
        Identity identity;
        if (request.token().isPresent()) {
            if (tokens.isEmpty()) {
                return new Admission.Refused<>(new Refusal(ErrorCode.INVALID_TOKEN,
                        "token supplied but no authenticator is configured", Optional.of("no_authenticator")));
            }
            switch (tokens.get().authenticate(request.token().get())) {
                case AuthResult.Authenticated ok -> identity = ok.identity();
                case AuthResult.Rejected no -> {
                    return new Admission.Refused<>(new Refusal(ErrorCode.INVALID_TOKEN, "token rejected: " + no.reason(),
                            Optional.of(no.reason())));
                }
            }
        } else {
            identity = Identity.anonymous(id);
        }
        // 9. room authorization
        for (String room : request.rooms()) {
            RoomDecision decision = roomAuthorizer.authorize(
                    new RoomAccessRequest(identity, RoomName.of(room), request.roomPassword(), request.clientAddress()));
            if (decision instanceof RoomDecision.Denied denied) {
                notifyListeners(l -> l.onRoomAccessDenied(RoomName.of(room), denied.code()));
                return new Admission.Refused<>(Refusal.of(denied.code(), "room " + room + " refused: " + denied.reason()));
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
        for (String room : request.rooms()) {
            if (hub.tryJoinBeforeOpen(peer, room) instanceof JoinResult.Refused refused) {
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

    /** The credential of an {@code Authorization: Bearer …} header value (scheme case-insensitive), if present and not blank. */
    public static Optional<String> bearerCredential(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.trim();
        if (h.length() > 7 && h.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            String credential = h.substring(7).trim();
            return credential.isEmpty() ? Optional.empty() : Optional.of(credential);
        }
        return Optional.empty();
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
