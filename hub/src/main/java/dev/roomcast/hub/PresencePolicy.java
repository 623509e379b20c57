package dev.roomcast.hub;

import dev.roomcast.core.RoomName;

/**
 * Decides, per room, whether members receive {@code presence} events when others join or leave.
 * Large broadcast-only rooms usually turn it off: every join would otherwise cost a fan-out.
 */
@FunctionalInterface
public interface PresencePolicy {

    /** Whether joins and leaves in {@code room} are announced to its members. */
    boolean announces(RoomName room);

    /** Announces in every room, or in none. */
    static PresencePolicy always(boolean enabled) {
        return room -> enabled;
    }
}
