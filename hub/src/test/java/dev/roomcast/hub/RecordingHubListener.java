package dev.roomcast.hub;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link HubListener} that records each membership callback as a line such as {@code "left c-alice lobby"}. */
final class RecordingHubListener implements HubListener {
    private final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void onJoined(Peer peer, RoomName room) {
        events.add("joined " + peer.id() + " " + room);
    }

    @Override
    public void onLeft(Peer peer, RoomName room) {
        events.add("left " + peer.id() + " " + room);
    }

    @Override
    public void onJoinRefused(Peer peer, RoomName room, ErrorCode code) {
        events.add("refused " + peer.id() + " " + room + " " + code);
    }

    @Override
    public void onBroadcast(RoomName room, BroadcastResult result, long durationNanos) {
        // not recorded: broadcasts are checked through their results
    }

    /** The lines recorded so far. */
    List<String> events() {
        return List.copyOf(events);
    }

    /** The lines recorded so far that start with {@code prefix}. */
    List<String> events(String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).toList();
    }
}
