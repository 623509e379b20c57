package dev.roomcast.core;

import java.util.List;
import java.util.Objects;

/**
 * What {@link RoomHistory#read} found: the room's latest position and, for a read {@code since} a
 * position, the messages after it.
 *
 * @param latest    the room's last offset (0 before its first message) and its current epoch
 * @param recovered true when a position was given and every message after it is in {@code missed};
 *                  false when none was given, its epoch is not the current one, or some message after
 *                  it has left the history (too old, or beyond its size)
 * @param missed    the messages after the given position, oldest first, each already carrying its
 *                  {@code offset} and {@code epoch}; empty unless {@code recovered}
 */
public record HistoryRead(StreamPosition latest, boolean recovered, List<Frame> missed) {

    public HistoryRead {
        Objects.requireNonNull(latest, "latest");
        missed = List.copyOf(missed);
        if (!recovered && !missed.isEmpty()) {
            throw new IllegalArgumentException("missed: expected none when not recovered but was " + missed.size());
        }
    }

    /** Nothing recoverable: only the room's latest position. */
    public static HistoryRead notRecovered(StreamPosition latest) {
        return new HistoryRead(latest, false, List.of());
    }
}
