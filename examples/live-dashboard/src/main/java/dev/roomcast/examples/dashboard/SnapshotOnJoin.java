package dev.roomcast.examples.dashboard;

import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import java.util.Objects;

/**
 * Sends every viewer that joins the {@code feed} room a {@code snapshot}: the latest value of every
 * series, at once, instead of making it wait for the next tick. A hub listener, so it runs on the
 * joining thread right after the viewer has become a member (after its {@code joined} reply).
 *
 * <p>The snapshot is offered without waiting ({@link Peer#trySend}); a viewer's queue is all but
 * empty when it joins, and if it were full the next tick, which carries every series too, would
 * take the snapshot's place. A tick fanned out in the instant between the viewer becoming a member
 * and this call may reach it just before the snapshot; it carries every series as well, and the
 * snapshot's {@code seq} is never older than it.
 */
public final class SnapshotOnJoin implements HubListener {
    private final LatestValues latest;
    private final EnvelopeCodec codec;

    /** A listener sending {@code latest} through {@code codec}. */
    public SnapshotOnJoin(LatestValues latest, EnvelopeCodec codec) {
        this.latest = Objects.requireNonNull(latest, "latest");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public void onJoined(Peer peer, RoomName room) {
        if (Feed.FEED.equals(room)) {
            // snippet:dashboard-snapshot
            Tick now = latest.get();
            peer.trySend(codec.encode(Envelope.toRoom("snapshot", Feed.FEED, now.toPayload(codec.mapper()))));
            // end-snippet
        }
    }
}
