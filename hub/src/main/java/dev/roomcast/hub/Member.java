package dev.roomcast.hub;

import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomAccess;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.WriterThread;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The hub's record of one connected peer: its rooms and its join-rate bucket. Created by
 * {@code Hub.tryConnect}, dropped by {@code Hub.disconnect}.
 *
 * <p>There is one per connection and most connections sit idle in one to three rooms, so the rooms
 * are a copy-on-write array rather than a concurrent set (about 200 bytes for one room), and changes
 * take this member's monitor rather than a lock object of its own. Readers take no lock. No section
 * under the monitor blocks, so a virtual thread pinned there on JDK 21 costs nothing.
 */
final class Member {
    private static final RoomName[] NO_ROOMS = {};
    private static final AtomicIntegerFieldUpdater<Member> DEFERRED =
            AtomicIntegerFieldUpdater.newUpdater(Member.class, "deferred");

    private final Peer peer;
    /** The peer's writer thread, or null when the transport offers none (the hub then sends from its own threads). */
    private final WriterThread writerThread;
    private final RoomMember asRoomMember;
    private final TokenBucket joinBucket;
    /**
     * The rooms this member is in, never containing one twice. Replaced (never changed in place) under
     * this member's monitor, which orders {@link #enter} against {@link #disconnect}: a join that enters
     * a room either happens before the disconnect (which then sees the room and leaves it) or is
     * refused. Entering and exiting also happen under the room's lock, before the member becomes
     * visible in the room and after it has left it.
     */
    private volatile RoomName[] rooms = NO_ROOMS;
    /**
     * The rooms whose last entry decision granted {@code RoomAccess.SUBSCRIBE} only: a publish to them
     * is refused. Usually empty (every room grants publish by default), so a publish's check is one
     * read of an empty array. Replaced under this member's monitor by {@link #enter} and {@link #grant}.
     * {@link #exit} leaves it alone, so a publish that saw the membership just before a leave is still
     * judged by the room's access (it fails closed); {@link #enter} drops the entries of rooms the
     * member is no longer in, which bounds the array by the member's rooms.
     */
    private volatile RoomName[] subscribeOnly = NO_ROOMS;
    /** Guarded by this member's monitor; cleared once by {@link #disconnect}. */
    private boolean connected = true;
    /**
     * Broadcast frames for this member handed from its writer thread back to a lane because its
     * queue was full under {@code BLOCK} (see {@code ShardedFanout}), not yet offered. While there
     * are any, later broadcasts take the same path, so the member still gets them in order.
     */
    private volatile int deferred;

    Member(Peer peer, TokenBucket joinBucket) {
        this.peer = peer;
        this.writerThread = peer.writerThread().orElse(null);
        this.asRoomMember = new RoomMember(peer.identity().subject(), peer.id());
        this.joinBucket = joinBucket;
    }

    Peer peer() {
        return peer;
    }

    /** The peer's writer thread; null when it has none. */
    WriterThread writerThread() {
        return writerThread;
    }

    /** Whether frames deferred to a lane are still waiting to be offered to this member. */
    boolean hasDeferred() {
        return deferred != 0;
    }

    /** Counts one more frame deferred to a lane. */
    void deferOne() {
        DEFERRED.incrementAndGet(this);
    }

    /** Counts one deferred frame offered (or given up). */
    void deferredDone() {
        DEFERRED.decrementAndGet(this);
    }

    RoomMember asRoomMember() {
        return asRoomMember;
    }

    TokenBucket joinBucket() {
        return joinBucket;
    }

    /** The rooms this member is in now, without a copy: the array is replaced, never changed, so callers must not change it. */
    RoomName[] roomsNow() {
        return rooms;
    }

    /** The rooms this member is in now, as an immutable snapshot. */
    Set<RoomName> rooms() {
        return Set.of(rooms);
    }

    /**
     * Records {@code room} among this member's rooms unless the member has disconnected; returns
     * whether it is recorded. Called with the room's lock held, before the member becomes visible in the room.
     */
    synchronized boolean enter(RoomName room) {
        return enter(room, RoomAccess.PUBLISH);
    }

    /**
     * {@link #enter(RoomName)} with what the member may do there, recorded in the same step: a reader
     * that sees the room among the member's rooms also sees its access (the access is written first).
     */
    synchronized boolean enter(RoomName room, RoomAccess access) {
        if (!connected) {
            return false;
        }
        RoomName[] now = rooms;
        subscribeOnly = restrictionsAfterEntering(now, room, access);
        if (indexOf(now, room) < 0) {
            RoomName[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = room;
            rooms = next;
        }
        return true;
    }

    /**
     * Records what this member may do in {@code room} from now on: the transport's decision for an
     * entry, set when it enters the room, or again on a join of a room it is already in.
     */
    synchronized void grant(RoomName room, RoomAccess access) {
        RoomName[] now = subscribeOnly;
        int at = indexOf(now, room);
        if (access.mayPublish() && at >= 0) {
            subscribeOnly = without(now, at);
        } else if (!access.mayPublish() && at < 0) {
            RoomName[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = room;
            subscribeOnly = next;
        }
    }

    /** Whether the last entry decision for {@code room} lets this member publish to it. Takes no lock. */
    boolean mayPublish(RoomName room) {
        RoomName[] restricted = subscribeOnly;
        return restricted.length == 0 || indexOf(restricted, room) < 0;
    }

    /** The restrictions once {@code room} is entered with {@code access}: those of rooms still joined, and {@code room}'s own. */
    private RoomName[] restrictionsAfterEntering(RoomName[] joined, RoomName room, RoomAccess access) {
        RoomName[] old = subscribeOnly;
        if (old.length == 0 && access.mayPublish()) {
            return NO_ROOMS; // the common case: no restriction anywhere
        }
        RoomName[] next = new RoomName[old.length + 1];
        int n = 0;
        for (RoomName r : old) {
            if (!r.equals(room) && indexOf(joined, r) >= 0) {
                next[n++] = r;
            }
        }
        if (!access.mayPublish()) {
            next[n++] = room;
        }
        return n == 0 ? NO_ROOMS : Arrays.copyOf(next, n);
    }

    /**
     * Forgets {@code room}; called with the room's lock held, once the member has left it (or the room
     * is gone). Its access stays recorded until the next {@link #enter}.
     */
    synchronized void exit(RoomName room) {
        RoomName[] now = rooms;
        int at = indexOf(now, room);
        if (at < 0) {
            return;
        }
        rooms = without(now, at);
    }

    /** Marks the member disconnected, so it can enter no further room, and returns the rooms it is in. */
    synchronized List<RoomName> disconnect() {
        connected = false;
        return List.of(rooms);
    }

    private static RoomName[] without(RoomName[] array, int at) {
        if (array.length == 1) {
            return NO_ROOMS;
        }
        RoomName[] next = new RoomName[array.length - 1];
        System.arraycopy(array, 0, next, 0, at);
        System.arraycopy(array, at + 1, next, at, array.length - at - 1);
        return next;
    }

    private static int indexOf(RoomName[] array, RoomName room) {
        for (int i = 0; i < array.length; i++) {
            if (array[i].equals(room)) {
                return i;
            }
        }
        return -1;
    }
}
