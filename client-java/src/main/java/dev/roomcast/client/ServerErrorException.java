package dev.roomcast.client;

import dev.roomcast.core.ErrorCode;
import java.util.Optional;

/**
 * The server answered a request with an {@code error} event carrying the request's {@code id}.
 * {@link #code()} is the wire code as sent (such as {@code ROOM_FORBIDDEN}); {@link #errorCode()} is the
 * matching {@link ErrorCode} when this client knows it (a newer server may send codes it does not).
 */
public final class ServerErrorException extends RuntimeException {
    private final String code;
    private final String serverMessage;

    ServerErrorException(String code, String serverMessage) {
        super(code + ": " + serverMessage);
        this.code = code;
        this.serverMessage = serverMessage;
    }

    /** The wire code, e.g. {@code NOT_IN_ROOM}. */
    public String code() {
        return code;
    }

    /** The server's message, safe to show (the server never puts secrets in it). */
    public String serverMessage() {
        return serverMessage;
    }

    /** The code as an {@link ErrorCode}, if this client knows it. */
    public Optional<ErrorCode> errorCode() {
        for (ErrorCode c : ErrorCode.values()) {
            if (c.name().equals(code)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
