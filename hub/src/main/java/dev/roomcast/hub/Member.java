package dev.roomcast.hub;

import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hub's record of one connected peer: its rooms and its join-rate bucket. Created by
 * {@code Hub.tryConnect}, dropped by {@code Hub.disconnect}.
 */
final class Member {
    private final Peer peer;
    private final RoomMember asRoomMember;
    private final TokenBucket joinBucket;
    /** Rooms this member is in; changed only under the room's lock. */
    private final Set<RoomName> rooms = ConcurrentHashMap.newKeySet();

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
}
