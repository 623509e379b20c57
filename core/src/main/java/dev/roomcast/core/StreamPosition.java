package dev.roomcast.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * A place in a room's history: the {@code offset} of a message (1 for the room's first, each next one
 * exactly one more, the same on every node) and the {@code epoch} those offsets count in. The epoch is
 * a random id that changes whenever the history's state was lost (for example Redis restarted empty),
 * so an offset of an old epoch is never mistaken for one of the new; offset 0 means "before the first
 * message". On the wire: {@code "offset":12,"epoch":"9f3c…"}.
 *
 * @param offset the message's place, at least 0
 * @param epoch  the history's generation, 1 to 64 characters of {@code [A-Za-z0-9_-]}
 */
public record StreamPosition(long offset, String epoch) {

    /** Longest epoch accepted from a client. */
    public static final int MAX_EPOCH_LENGTH = 64;

    public StreamPosition {
        if (offset < 0) {
            throw new IllegalArgumentException("offset: expected at least 0 but was " + offset);
        }
        if (!isValidEpoch(epoch)) {
            throw new IllegalArgumentException("epoch: expected 1 to " + MAX_EPOCH_LENGTH
                    + " characters of [A-Za-z0-9_-] but was " + (epoch == null ? "null" : epoch.length() + " characters"));
        }
    }

    /** The position at {@code offset} of {@code epoch}. */
    public static StreamPosition of(long offset, String epoch) {
        return new StreamPosition(offset, epoch);
    }

    /**
     * The {@code since} of a {@code join} payload ({@code {"since":{"offset":12,"epoch":"9f3c…"}}}):
     * empty when there is none (or it is null); throws {@link RoomcastException} with
     * {@link ErrorCode#INVALID_PAYLOAD} when it is not an object with a whole {@code offset} of at least
     * 0 and a valid {@code epoch}, so the client hears why instead of silently not recovering.
     */
    public static Optional<StreamPosition> sinceOf(JsonNode joinPayload) {
        JsonNode since = joinPayload == null ? null : joinPayload.get("since");
        if (since == null || since.isNull()) {
            return Optional.empty();
        }
        JsonNode offset = since.get("offset");
        JsonNode epoch = since.get("epoch");
        if (!since.isObject() || offset == null || !offset.canConvertToExactIntegral() || !offset.canConvertToLong()
                || offset.asLong() < 0 || epoch == null || !epoch.isTextual() || !isValidEpoch(epoch.textValue())) {
            throw new RoomcastException(ErrorCode.INVALID_PAYLOAD,
                    "join: expected since to be {offset: a whole number >= 0, epoch: a string} but it was not");
        }
        return Optional.of(new StreamPosition(offset.asLong(), epoch.textValue()));
    }

    /** Whether {@code epoch} is acceptable as an epoch (a client's {@code since} is checked with this). */
    public static boolean isValidEpoch(String epoch) {
        if (epoch == null || epoch.isEmpty() || epoch.length() > MAX_EPOCH_LENGTH) {
            return false;
        }
        for (int i = 0; i < epoch.length(); i++) {
            char c = epoch.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Whether this position counts in the same epoch as {@code other}. */
    public boolean sameEpoch(StreamPosition other) {
        return Objects.equals(epoch, other.epoch);
    }
}
