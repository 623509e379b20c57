package dev.roomcast.hub.internal;

import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.RoomMember;
import dev.roomcast.hub.TokenBucket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hub's record of one connected peer: its rooms and its join-rate bucket. Created by
 * {@code Hub.tryConnect}, dropped by {@code Hub.disconnect}.
 */
public final class Member {
    private final Peer peer;
    private final RoomMember asRoomMember;
    private final TokenBucket joinBucket;
    /** Rooms this member is in; changed only under the room's lock. */
    private final Set<RoomName> rooms = ConcurrentHashMap.newKeySet();

    public Member(Peer peer, TokenBucket joinBucket) {
        this.peer = peer;
        this.asRoomMember = new RoomMember(peer.identity().subject(), peer.id());
        this.joinBucket = joinBucket;
    }

    public Peer peer() {
        return peer;
    }

    public RoomMember asRoomMember() {
        return asRoomMember;
    }

    public TokenBucket joinBucket() {
        return joinBucket;
    }

    public Set<RoomName> rooms() {
        return rooms;
    }
}
