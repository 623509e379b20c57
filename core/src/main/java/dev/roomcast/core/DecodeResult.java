package dev.roomcast.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of decoding one inbound text message: an {@link Envelope}, or a typed failure that the
 * transport answers with an {@code error} event while the connection stays open.
 */
public sealed interface DecodeResult {

    /** The message decoded into an envelope. */
    record Decoded(Envelope envelope) implements DecodeResult {
        public Decoded {
            Objects.requireNonNull(envelope, "envelope");
        }
    }

    /**
     * The message could not be decoded.
     *
     * @param code   {@link ErrorCode#MALFORMED_MESSAGE}, {@link ErrorCode#MISSING_TYPE} or {@link ErrorCode#PAYLOAD_TOO_LARGE}
     * @param detail what was wrong, safe to send (it never quotes the input)
     * @param id     the client's correlation id when it could still be read
     */
    record Failed(ErrorCode code, String detail, Optional<String> id) implements DecodeResult {
        public Failed {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(id, "id");
        }
    }
}
