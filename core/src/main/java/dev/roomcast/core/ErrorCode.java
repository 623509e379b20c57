package dev.roomcast.core;

/**
 * Every error Roomcast reports to a client, as one table: the wire code, the HTTP status used when
 * it is answered before the upgrade, and a message that is safe to send (it never contains a token,
 * password or internal detail). After the upgrade the same codes travel in {@code error} events.
 */
public enum ErrorCode {
    NOT_FOUND(404, "no route for this path"),
    METHOD_NOT_ALLOWED(405, "a WebSocket upgrade must use GET"),
    BAD_UPGRADE(400, "expected headers Upgrade: websocket and Connection: Upgrade"),
    BAD_VERSION(400, "expected Sec-WebSocket-Version 13"),
    BAD_KEY(400, "expected Sec-WebSocket-Key to be the base64 encoding of 16 bytes"),
    BAD_SUBPROTOCOL(400, "none of the offered subprotocols is supported; use roomcast.v1 or roomcast.batch.v1"),
    FORBIDDEN_ORIGIN(403, "origin is not allowed"),
    INVALID_ROOM(400, "invalid room name"),
    TOKEN_REQUIRED(401, "a bearer token is required"),
    INVALID_TOKEN(401, "the token is invalid, expired or not meant for this service"),
    ROOM_FORBIDDEN(403, "access to the room is forbidden"),
    ROOM_FULL(429, "the room is full"),
    RATE_LIMITED(429, "too many attempts; slow down"),
    HUB_FULL(503, "the server has no capacity for more connections"),
    SHUTTING_DOWN(503, "the server is shutting down"),
    PAYLOAD_TOO_LARGE(413, "the message is larger than the configured limit"),
    UNAUTHORIZED(401, "credentials are missing or wrong"),
    BAD_REQUEST(400, "the request is malformed"),
    MALFORMED_MESSAGE(400, "the message is not a valid JSON envelope"),
    MISSING_TYPE(400, "the envelope has no type"),
    INVALID_PAYLOAD(400, "the payload does not match the event type"),
    UNKNOWN_TYPE(400, "no handler is registered for this event type"),
    NOT_IN_ROOM(403, "join the room before publishing to it"),
    RELAY_FAILED(503, "the message reached this server's members but could not be relayed to the other servers"),
    INTERNAL(500, "internal error");

    private final int httpStatus;
    private final String safeMessage;

    ErrorCode(int httpStatus, String safeMessage) {
        this.httpStatus = httpStatus;
        this.safeMessage = safeMessage;
    }

    /** The HTTP status used when this error is answered before the upgrade. */
    public int httpStatus() {
        return httpStatus;
    }

    /** A message that is safe to show a client. */
    public String safeMessage() {
        return safeMessage;
    }
}
