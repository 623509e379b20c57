package dev.roomcast.observability;

import dev.roomcast.core.RoomName;
import java.util.Objects;
import java.util.Set;

/**
 * Choices an application makes about its metrics. By default no label names a room, so the number of
 * time series does not grow with the number of rooms.
 *
 * @param roomLabels rooms that may appear as a {@code room} label on joins, leaves and broadcasts
 *                   (default: none, and then those meters have no {@code room} label at all); every
 *                   other room is labelled {@code other}. Keep it to a handful of well-known rooms.
 */
public record MetricsOptions(Set<RoomName> roomLabels) {

    public MetricsOptions {
        roomLabels = Set.copyOf(Objects.requireNonNull(roomLabels, "roomLabels"));
    }

    /** No room labels. */
    public static MetricsOptions defaults() {
        return new MetricsOptions(Set.of());
    }

    /** Labels these rooms by name (an allow-list). */
    public static MetricsOptions withRoomLabels(Set<RoomName> rooms) {
        return new MetricsOptions(rooms);
    }
}
