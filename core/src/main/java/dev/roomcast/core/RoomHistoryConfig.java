package dev.roomcast.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which rooms keep a history, and how much of it: at most {@code maxEntries} messages, none older
 * than {@code maxAge}; whichever limit is reached first trims. Rooms not listed keep none (their
 * messages carry no offset, as before histories existed). Immutable; built with {@link #builder} and
 * validated by {@link Builder#build}, which throws {@link InvalidConfigException} naming every
 * violation. Default: no room keeps a history.
 *
 * @param rooms each history room with its limits, in the order they were added
 */
public record RoomHistoryConfig(Map<RoomName, Retention> rooms) {

    /** Most messages one room's history may be configured to hold. */
    public static final int MAX_ENTRIES_LIMIT = 1_000_000;

    /**
     * One room's limits.
     *
     * @param maxEntries most messages kept, 1 to {@link #MAX_ENTRIES_LIMIT}
     * @param maxAge     oldest message kept, at least 1 s
     */
    public record Retention(int maxEntries, Duration maxAge) {
    }

    public RoomHistoryConfig {
        rooms = Collections.unmodifiableMap(new LinkedHashMap<>(rooms));
    }

    /** No room keeps a history. */
    public static RoomHistoryConfig none() {
        return new RoomHistoryConfig(Map.of());
    }

    /** A builder with no history room. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code room}'s limits, when it keeps a history. */
    public Optional<Retention> retention(RoomName room) {
        return Optional.ofNullable(rooms.get(room));
    }

    /** Builds a {@link RoomHistoryConfig}. */
    public static final class Builder {
        private final Map<RoomName, Retention> rooms = new LinkedHashMap<>();

        private Builder() {
        }

        /** Gives {@code room} a history of at most {@code maxEntries} messages, none older than {@code maxAge}. */
        public Builder room(RoomName room, int maxEntries, Duration maxAge) {
            rooms.put(room, new Retention(maxEntries, maxAge));
            return this;
        }

        /** Validates and builds; throws {@link InvalidConfigException} naming every violation. */
        public RoomHistoryConfig build() {
            List<String> v = new ArrayList<>();
            rooms.forEach((room, r) -> {
                if (room == null) {
                    v.add("history.rooms: expected a room name but one was null");
                    return;
                }
                if (r.maxEntries() < 1 || r.maxEntries() > MAX_ENTRIES_LIMIT) {
                    v.add("history." + room.value() + ".maxEntries: expected 1 to " + MAX_ENTRIES_LIMIT + " but was "
                            + r.maxEntries());
                }
                if (r.maxAge() == null || r.maxAge().compareTo(Duration.ofSeconds(1)) < 0) {
                    v.add("history." + room.value() + ".maxAge: expected at least PT1S but was " + r.maxAge());
                }
            });
            if (!v.isEmpty()) {
                throw new InvalidConfigException(v);
            }
            return new RoomHistoryConfig(rooms);
        }
    }
}
