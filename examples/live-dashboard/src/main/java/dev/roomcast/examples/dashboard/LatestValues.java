package dev.roomcast.examples.dashboard;

import java.util.Objects;

/**
 * The feed's latest {@link Tick}, shared between the {@link Feed} (which replaces it on every step)
 * and {@link SnapshotOnJoin} (which sends it to each viewer that joins). Its own object so that the
 * hub's listener does not need the feed, which needs the hub. Thread-safe: one volatile reference.
 */
public final class LatestValues {
    /** Replaced by the feed's thread on every step; read by whoever joins a viewer. */
    private volatile Tick latest;

    /** Starts with {@code opening}, so a viewer joining before the first tick still gets every series. */
    public LatestValues(Tick opening) {
        this.latest = Objects.requireNonNull(opening, "opening");
    }

    /** The latest step. */
    public Tick get() {
        return latest;
    }

    void set(Tick tick) {
        latest = tick;
    }
}
