package dev.roomcast.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Why a connection closed: the close code and a short reason safe to send to the client.
 * The reason never carries exception messages, tokens or passwords.
 *
 * @param code   the close code
 * @param reason a short human-readable reason, at most 123 UTF-8 bytes (RFC 6455 §5.5)
 */
public record CloseReason(CloseCode code, String reason) {

    /** Largest reason that fits a close frame's 125-byte payload after the 2-byte code. */
    public static final int MAX_REASON_BYTES = 123;

    public CloseReason {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(reason, "reason");
        int bytes = reason.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_REASON_BYTES) {
            throw new IllegalArgumentException(
                    "close reason: expected at most " + MAX_REASON_BYTES + " UTF-8 bytes but was " + bytes);
        }
    }

    /** Creates a close reason. */
    public static CloseReason of(CloseCode code, String reason) {
        return new CloseReason(code, reason);
    }
}
