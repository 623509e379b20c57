package dev.roomcast.hub;

import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hub's record of one connected peer: its rooms and its join-rate bucket. Created by
 * {@code Hub.tryConnect}, dropped by {@code Hub.disconnect}.
 */
final class Member {
    private final Peer peer;
    private final RoomMember asRoomMember;
    private final TokenBucket joinBucket;
    /** Rooms this member is in; changed only under the room's lock (additions also under {@link #lock}). */
    private final Set<RoomName> rooms = ConcurrentHashMap.newKeySet();
    /**
     * Orders {@link #enter} against {@link #disconnect}: a join that enters a room either happens
     * before the disconnect (which then sees the room and leaves it) or is refused.
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}; cleared once by {@link #disconnect}. */
    private boolean connected = true;

    Member(Peer peer, TokenBucket joinBucket) {
        this.peer = peer;
        this.asRoomMember = new RoomMember(peer.identity().subject(), peer.id());
        this.joinBucket = joinBucket;
    }

    Peer peer() {
        return peer;
    }

    RoomMember asRoomMember() {
        return asRoomMember;
    }

    TokenBucket joinBucket() {
        return joinBucket;
    }

    Set<RoomName> rooms() {
        return rooms;
    }

    /**
     * Records {@code room} among this member's rooms unless the member has disconnected; returns
     * whether it did. Called with the room's lock held, before the member becomes visible in the room.
     */
    boolean enter(RoomName room) {
        lock.lock();
        try {
            if (!connected) {
                return false;
            }
            rooms.add(room);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Marks the member disconnected, so it can enter no further room, and returns the rooms it is in. */
    List<RoomName> disconnect() {
        lock.lock();
        try {
            connected = false;
            return List.copyOf(rooms);
        } finally {
            lock.unlock();
        }
    }
}
