package dev.roomcast.core;

import java.util.Optional;

/**
 * A validated room name. Names are 1 to 128 characters of letters, digits and {@code : _ . -},
 * starting with a letter or digit, so that names such as {@code team:alice:general} work while
 * nothing that could confuse a URL, a log line or a metric label gets through.
 *
 * @param value the name
 */
public record RoomName(String value) implements Comparable<RoomName> {

    /** Longest accepted room name, in characters. */
    public static final int MAX_LENGTH = 128;

    public RoomName {
        if (!isValid(value)) {
            throw new RoomcastException(ErrorCode.INVALID_ROOM, "invalid room name (length "
                    + (value == null ? "null" : value.length()) + ")");
        }
    }

    /** Creates a room name, throwing {@link RoomcastException} with {@link ErrorCode#INVALID_ROOM} if invalid. */
    public static RoomName of(String value) {
        return new RoomName(value);
    }

    /** Parses a room name, or returns empty when it is not valid. */
    public static Optional<RoomName> parse(String value) {
        return isValid(value) ? Optional.of(new RoomName(value)) : Optional.empty();
    }

    /**
     * Whether {@code value} is a valid room name. Checked character by character rather than with a
     * regular expression: it runs for every join and publish, and a matcher costs an allocation and
     * several times the time for names this short.
     */
    public static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH || !isLetterOrDigit(value.charAt(0))) {
            return false;
        }
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isLetterOrDigit(c) && c != ':' && c != '_' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** An ASCII letter or digit: the names' alphabet is ASCII only. */
    private static boolean isLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    @Override
    public int compareTo(RoomName other) {
        return value.compareTo(other.value);
    }

    /* Written out, as in ConnectionId: room names key the hub's maps and pick a broadcast's lane. */
    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof RoomName r && value.equals(r.value);
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
