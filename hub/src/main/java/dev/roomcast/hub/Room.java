package dev.roomcast.hub;

import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.RoomName;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One room: its members and the lock that orders membership changes. Fan-out iterates
 * {@link #members()} without the lock (a concurrent map's weakly consistent view), so a join or
 * leave never blocks a broadcast, and one room's changes never block another room.
 */
final class Room {
    private final RoomName name;
    /** Taken only to change membership; never held during fan-out or I/O. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ConnectionId, Member> members = new ConcurrentHashMap<>();
    /** Guarded by {@link #lock}: set when the room emptied and left the registry; a dead room takes no joins. */
    private boolean dead;
    /** Guarded by {@link #lock}: joins admitted against the limits but not yet visible (until {@code Hub.completeJoin} runs). */
    private int pendingJoins;

    Room(RoomName name) {
        this.name = name;
    }

    RoomName name() {
        return name;
    }

    ReentrantLock lock() {
        return lock;
    }

    Collection<Member> members() {
        return members.values();
    }

    Map<ConnectionId, Member> memberMap() {
        return members;
    }

    /** Members plus admitted joins, for the capacity check. Called with the lock held. */
    int occupancy() {
        return members.size() + pendingJoins;
    }

    /** Whether the room has neither members nor admitted joins, so it may be retired. Lock held. */
    boolean isEmpty() {
        return members.isEmpty() && pendingJoins == 0;
    }

    void addPendingJoin() {
        pendingJoins++;
    }

    void removePendingJoin() {
        pendingJoins--;
    }

    boolean isDead() {
        return dead;
    }

    void markDead() {
        dead = true;
    }
}
