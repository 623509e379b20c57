package dev.roomcast.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What one WebSocket handshake did, for telemetry: when it started and was decided, the W3C trace
 * headers it arrived with, and whether it was accepted (with the new connection's id) or refused
 * (with the {@link ErrorCode} the client got). Reported once per upgrade request, accepted or not.
 *
 * @param traceparent  the request's W3C {@code traceparent} header, when present and well formed
 * @param tracestate   the request's W3C {@code tracestate} header, when present (at most 512 characters)
 * @param start        when the request reached the upgrade pipeline
 * @param end          when it was decided: just before the 101, or when the refusal was written
 * @param connectionId the accepted connection's id; empty when refused
 * @param rejection    why it was refused; empty when accepted
 * @param authFailure  for {@link ErrorCode#TOKEN_REQUIRED} and {@link ErrorCode#INVALID_TOKEN}: a short
 *                     fixed word saying why ({@code missing}, or {@link AuthResult.Rejected#reason()}),
 *                     never the token
 */
public record UpgradeRecord(Optional<String> traceparent, Optional<String> tracestate, Instant start, Instant end,
                            Optional<ConnectionId> connectionId, Optional<ErrorCode> rejection,
                            Optional<String> authFailure) {

    /** Longest {@code tracestate} kept (W3C allows 32 members; anything longer is dropped, not cut). */
    public static final int MAX_TRACESTATE_LENGTH = 512;

    public UpgradeRecord {
        Objects.requireNonNull(traceparent, "traceparent");
        Objects.requireNonNull(tracestate, "tracestate");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(rejection, "rejection");
        Objects.requireNonNull(authFailure, "authFailure");
        traceparent = traceparent.filter(Envelope::isValidTraceparent);
        tracestate = tracestate.filter(s -> s.length() <= MAX_TRACESTATE_LENGTH);
        if (end.isBefore(start)) {
            end = start;
        }
        if (rejection.isEmpty() == connectionId.isEmpty()) {
            throw new IllegalArgumentException("connectionId: expected one exactly when the upgrade is accepted");
        }
    }

    /** An accepted upgrade. */
    public static UpgradeRecord accepted(ConnectionId id, Optional<String> traceparent, Optional<String> tracestate,
                                         Instant start, Instant end) {
        return new UpgradeRecord(traceparent, tracestate, start, end, Optional.of(id), Optional.empty(), Optional.empty());
    }

    /** A refused upgrade. */
    public static UpgradeRecord rejected(ErrorCode code, Optional<String> authFailure, Optional<String> traceparent,
                                         Optional<String> tracestate, Instant start, Instant end) {
        return new UpgradeRecord(traceparent, tracestate, start, end, Optional.empty(), Optional.of(code), authFailure);
    }

    /** Whether the upgrade was accepted (a 101 follows). */
    public boolean accepted() {
        return rejection.isEmpty();
    }

    /** How long the decision took (token check, room authorization, capacity). */
    public Duration duration() {
        return Duration.between(start, end);
    }
}
