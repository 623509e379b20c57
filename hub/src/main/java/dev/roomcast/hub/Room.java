package dev.roomcast.hub;

import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.RoomName;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One room: its members and the lock that orders membership changes. Fan-out iterates
 * {@link #members()} without the lock (a concurrent map's weakly consistent view), so a join or
 * leave never blocks a broadcast, and one room's changes never block another room. A large room
 * also keeps its members grouped by writer thread ({@link #plan()}), rebuilt after a change.
 */
final class Room {
    private final RoomName name;
    /** Taken only to change membership; never held during fan-out or I/O. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ConnectionId, Member> members = new ConcurrentHashMap<>();
    /** Bumped after every change to {@link #members}, so a stale {@link #plan} is rebuilt. */
    private volatile int version;
    /** The members grouped by writer thread, as of {@code plan.version()}; built by the room's lane. */
    private volatile FanoutPlan plan;
    /**
     * Sharded broadcasts whose writer-thread parts have not all run yet. While any are out, the
     * room's next broadcasts take the sharded path too, whatever its size: offered directly, they
     * could reach a member before the frame its writer thread has yet to offer.
     */
    private final AtomicInteger shardedPending = new AtomicInteger();
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

    /** Counts a sharded broadcast handed to the writer threads; {@link #shardedDone} when all took their part. */
    void shardedStarted() {
        shardedPending.incrementAndGet();
    }

    void shardedDone() {
        shardedPending.decrementAndGet();
    }

    /** Whether a sharded broadcast's parts are still waiting for a writer thread. */
    boolean hasShardedPending() {
        return shardedPending.get() > 0;
    }

    /** Adds a member; called with the lock held. */
    void add(Member member) {
        members.put(member.peer().id(), member);
        version++; // under the lock: one writer
    }

    /** Removes a member; returns whether it was one. Called with the lock held. */
    boolean remove(ConnectionId id) {
        if (members.remove(id) == null) {
            return false;
        }
        version++;
        return true;
    }

    /**
     * The members grouped by writer thread, rebuilt when membership changed since the last one. The
     * version is read before the members, so a change racing with the rebuild leaves the new plan
     * stale and the next broadcast rebuilds it; a plan never misses a change it claims to include.
     */
    FanoutPlan plan() {
        FanoutPlan p = plan;
        int v = version;
        if (p == null || p.version() != v) {
            p = FanoutPlan.of(v, members.values());
            plan = p;
        }
        return p;
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
