package dev.roomcast.core;

import java.util.Objects;

/**
 * A failure that carries the {@link ErrorCode} the client will see. Its message is for logs and
 * never reaches a client; clients only see {@link ErrorCode#safeMessage()}.
 */
public class RoomcastException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public RoomcastException(ErrorCode code, String logMessage) {
        super(logMessage);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The code the client sees. */
    public ErrorCode code() {
        return code;
    }
}
