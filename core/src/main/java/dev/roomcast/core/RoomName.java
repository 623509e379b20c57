package dev.roomcast.core;

import java.util.Optional;
import java.util.regex.Pattern;

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

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9:_.\\-]{0,127}");

    public RoomName {
        if (value == null || !VALID.matcher(value).matches()) {
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

    /** Whether {@code value} is a valid room name. */
    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
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
