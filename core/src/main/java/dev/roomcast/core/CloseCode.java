package dev.roomcast.core;

/**
 * The WebSocket close codes (RFC 6455 §7.4.1) that Roomcast sends, each with the cause it stands for,
 * so no bare number travels through the code base.
 */
public enum CloseCode {
    /** 1000: the connection finished its purpose. */
    NORMAL(1000),
    /** 1001: the server is going away (shutdown). */
    GOING_AWAY(1001),
    /**
     * 1002: the client broke RFC 6455 itself, e.g. an unmasked frame, a reserved opcode or RSV bit,
     * a control frame over 125 bytes or fragmented, an invalid close code. The transport detects these.
     */
    PROTOCOL_ERROR(1002),
    /** 1003: the client sent a data type the server does not accept (binary frames). */
    UNSUPPORTED_DATA(1003),
    /** 1007: a text message was not valid UTF-8. */
    INVALID_PAYLOAD(1007),
    /** 1008: a policy was violated, such as the inbound rate limit. */
    POLICY_VIOLATION(1008),
    /** 1009: a message was larger than {@code maxMessageBytes}. */
    MESSAGE_TOO_BIG(1009),
    /** 1011: a handler failed unexpectedly. */
    INTERNAL_ERROR(1011),
    /** 1013: the member was too slow to keep up with its send queue. */
    TRY_AGAIN_LATER(1013);

    private final int code;

    CloseCode(int code) {
        this.code = code;
    }

    /** The numeric code sent in the close frame. */
    public int code() {
        return code;
    }

    /** Returns the constant for a numeric code, if Roomcast names it. */
    public static java.util.Optional<CloseCode> of(int code) {
        for (CloseCode c : values()) {
            if (c.code == code) {
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }
}
