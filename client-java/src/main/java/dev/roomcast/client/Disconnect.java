package dev.roomcast.client;

import java.util.Objects;
import java.util.Optional;

/**
 * How a connection ended, or why an attempt was refused, and whether reconnecting could help.
 *
 * <p>Terminal (the same connection would end the same way, so the client stops): close codes 1000,
 * 1002, 1003, 1007, 1008, 1009 and the application range 4000–4999 (kept for a server that closes
 * for authentication reasons); an upgrade refused with a 4xx other than 429 ({@code TOKEN_REQUIRED},
 * {@code INVALID_TOKEN}, {@code ROOM_FORBIDDEN}, ...); a rejoin refused with {@code ROOM_FORBIDDEN} or
 * {@code INVALID_ROOM}. Everything else reconnects: 1001, 1006 (lost without a close frame), 1011,
 * 1012, 1013, other codes, refusals with 429 or 5xx, and I/O failures such as a refused TCP connection.
 *
 * @param closeCode  the close code received, or 1006 when there was none (refusals and I/O failures included)
 * @param httpStatus the status of a refused upgrade, if that is how it ended
 * @param reason     the close reason, the refusal's error code, or the failure's kind; never a secret
 * @param terminal   whether the client stops instead of reconnecting
 */
public record Disconnect(int closeCode, Optional<Integer> httpStatus, String reason, boolean terminal) {

    /** The code a WebSocket library reports when a connection ended without a close frame. */
    public static final int ABNORMAL = 1006;

    public Disconnect {
        Objects.requireNonNull(httpStatus, "httpStatus");
        Objects.requireNonNull(reason, "reason");
    }

    /** A close frame with {@code code} was received. */
    public static Disconnect closed(int code, String reason) {
        return new Disconnect(code, Optional.empty(), reason, isTerminalClose(code));
    }

    /** The upgrade was answered with {@code status} instead of 101. */
    public static Disconnect refused(int status, String reason) {
        return new Disconnect(ABNORMAL, Optional.of(status), reason, isTerminalStatus(status));
    }

    /** The connection broke (or could not be made) without a close frame. */
    public static Disconnect lost(String reason) {
        return new Disconnect(ABNORMAL, Optional.empty(), reason, false);
    }

    /** The application closed the client. */
    static Disconnect byClient() {
        return new Disconnect(1000, Optional.empty(), "closed by the client", true);
    }

    /** A rejoin after reconnecting was refused with {@code code}. */
    static Disconnect rejoinRefused(String room, String code) {
        boolean terminal = code.equals("ROOM_FORBIDDEN") || code.equals("INVALID_ROOM");
        return new Disconnect(ABNORMAL, Optional.empty(), "rejoin of " + room + " refused: " + code, terminal);
    }

    /** Whether a close with {@code code} ends the client rather than reconnecting it. */
    public static boolean isTerminalClose(int code) {
        return switch (code) {
            case 1000, 1002, 1003, 1007, 1008, 1009 -> true;
            default -> code >= 4000 && code <= 4999;
        };
    }

    /** Whether an upgrade refused with {@code status} ends the client rather than reconnecting it. */
    public static boolean isTerminalStatus(int status) {
        return status >= 400 && status < 500 && status != 429;
    }
}
