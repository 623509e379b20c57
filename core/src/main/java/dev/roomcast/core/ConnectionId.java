package dev.roomcast.core;

import java.util.Objects;

/**
 * The server-assigned name of one connection, unique within a server's lifetime. It appears in
 * presence events, logs and the MDC, so it never contains user data.
 *
 * @param value the id text
 */
public record ConnectionId(String value) {
    public ConnectionId {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("connection id: expected a non-empty value");
        }
    }

    /** Creates a connection id. */
    public static ConnectionId of(String value) {
        return new ConnectionId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
