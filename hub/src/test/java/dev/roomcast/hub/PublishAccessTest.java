package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.RoomAccess;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The access a join grants (receive only, or also publish) is kept per member and room, and read by {@link Hub#mayPublish}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PublishAccessTest {
    private static final RoomName FEED = RoomName.of("feed");
    private static final RoomName LOBBY = RoomName.of("lobby");

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final List<RecordingPeer> peers = new ArrayList<>();
    private Hub hub;

    @BeforeEach
    void start() {
        RoomcastConfig config = RoomcastConfig.builder().workerCount(2).jobQueueSize(64)
                .joinRatePerSecond(1000).joinBurst(1000).presenceEnabled(false).build();
        hub = new Hub(config, codec, new FakeClock(), List.of(), new InProcessClusterBus(),
                PresencePolicy.always(false));
    }

    @AfterEach
    void everyEventWasCheckedAndTheHubStops() {
        try {
            peers.forEach(RecordingPeer::assertNoMoreEvents);
        } finally {
            hub.stop();
        }
    }

    private RecordingPeer connect(String subject) {
        RecordingPeer p = RecordingPeer.builder("c-" + subject, codec).subject(subject).onClosed(hub::disconnect).build();
        assertThat(hub.tryConnect(p)).isEqualTo(new Admission.Admitted());
        peers.add(p);
        return p;
    }

    private void join(RecordingPeer peer, RoomName room, RoomAccess access) {
        assertThat(hub.tryJoin(peer, room.value(), Optional.empty(), access)).isInstanceOf(JoinResult.Joined.class);
        peer.assertPushed("joined");
    }

    @Test
    void aMemberJoinedToSubscribeMayNotPublishThereButMayWhereItWasGrantedPublish() {
        RecordingPeer viewer = connect("viewer");
        join(viewer, FEED, RoomAccess.SUBSCRIBE);
        join(viewer, LOBBY, RoomAccess.PUBLISH);

        assertThat(hub.isInRoom(viewer.id(), FEED)).isTrue();
        assertThat(hub.mayPublish(viewer.id(), FEED)).isFalse();
        assertThat(hub.mayPublish(viewer.id(), LOBBY)).isTrue();
    }

    @Test
    void joinsWithoutAnAccessGrantPublishAsBefore() {
        RecordingPeer alice = connect("alice");
        assertThat(hub.tryJoin(alice, "lobby", Optional.empty())).isInstanceOf(JoinResult.Joined.class);
        alice.assertPushed("joined");
        RecordingPeer bob = connect("bob");
        assertThat(hub.tryJoinBeforeOpen(bob, "lobby")).isInstanceOf(JoinResult.Joined.class);
        bob.assertPushed("joined");

        assertThat(hub.mayPublish(alice.id(), LOBBY)).isTrue();
        assertThat(hub.mayPublish(bob.id(), LOBBY)).isTrue();
    }

    @Test
    void theUpgradesJoinBeforeOpenKeepsTheAccessToo() {
        RecordingPeer viewer = connect("viewer");
        assertThat(hub.tryJoinBeforeOpen(viewer, "feed", RoomAccess.SUBSCRIBE)).isInstanceOf(JoinResult.Joined.class);
        viewer.assertPushed("joined");

        assertThat(hub.mayPublish(viewer.id(), FEED)).isFalse();
    }

    @Test
    void aLaterJoinOfTheSameRoomReplacesTheAccessAndLeavingForgetsIt() {
        RecordingPeer viewer = connect("viewer");
        join(viewer, FEED, RoomAccess.SUBSCRIBE);
        join(viewer, FEED, RoomAccess.PUBLISH); // already a member: answered with joined again, access replaced
        assertThat(hub.mayPublish(viewer.id(), FEED)).isTrue();

        join(viewer, FEED, RoomAccess.SUBSCRIBE);
        assertThat(hub.mayPublish(viewer.id(), FEED)).isFalse();
        assertThat(hub.leave(viewer, FEED)).isTrue();
        assertThat(hub.isInRoom(viewer.id(), FEED)).isFalse();
        // A publish that saw the membership just before the leave is still refused: the access stays until the next join.
        assertThat(hub.mayPublish(viewer.id(), FEED)).isFalse();
        join(viewer, FEED, RoomAccess.PUBLISH);
        assertThat(hub.mayPublish(viewer.id(), FEED)).isTrue();
    }

    @Test
    void joiningAnotherRoomForgetsTheAccessOfRoomsTheMemberLeftSoNothingAccumulates() {
        RoomName other = RoomName.of("other");
        RecordingPeer viewer = connect("viewer");
        join(viewer, FEED, RoomAccess.SUBSCRIBE);
        join(viewer, LOBBY, RoomAccess.SUBSCRIBE);
        assertThat(hub.leave(viewer, FEED)).isTrue();

        join(viewer, other, RoomAccess.PUBLISH);

        assertThat(hub.mayPublish(viewer.id(), FEED)).as("left, then another room was entered: forgotten").isTrue();
        assertThat(hub.mayPublish(viewer.id(), LOBBY)).as("still a member: kept").isFalse();
        assertThat(hub.mayPublish(viewer.id(), other)).isTrue();
    }

    @Test
    void aConnectionTheHubDoesNotKnowMayNotPublish() {
        RecordingPeer stranger = RecordingPeer.builder("c-stranger", codec).build();
        assertThat(hub.mayPublish(stranger.id(), LOBBY)).isFalse();
    }
}
