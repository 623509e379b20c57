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

    /*
     * Written out rather than left to the record's generated methods: ids are compared once per
     * recipient on every fan-out and looked up in the hub's maps on every join, publish and close,
     * and the generated versions showed up in fan-out profiles (their method-handle dispatch).
     */
    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof ConnectionId id && value.equals(id.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
