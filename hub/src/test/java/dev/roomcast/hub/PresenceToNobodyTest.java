package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.BroadcastRecord;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.RoomcastConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Presence events go out only when someone is there to receive them (on a hub that is its own cluster). */
@Timeout(10)
class PresenceToNobodyTest {
    private final RoomcastConfig config = RoomcastConfig.builder().presenceEnabled(true).workerCount(1).build();
    private final EnvelopeCodec codec = EnvelopeCodec.of(config);
    private final List<String> broadcastTypes = new CopyOnWriteArrayList<>();
    private final Hub hub = new Hub(config, codec, new FakeClock(), List.of(new HubListener() {
        @Override
        public void onBroadcastCompleted(BroadcastRecord broadcast) {
            broadcastTypes.add(broadcast.type());
        }
    }), new InProcessClusterBus(), PresencePolicy.always(true));

    @AfterEach
    void stop() {
        hub.stop();
    }

    private RecordingPeer joined(String id) {
        RecordingPeer peer = RecordingPeer.builder(id, codec).build();
        hub.tryConnect(peer);
        assertThat(hub.tryJoin(peer, "lobby", Optional.empty())).isInstanceOf(JoinResult.Joined.class);
        return peer;
    }

    @Test
    void aMemberAloneInItsRoomCausesNoPresenceBroadcastWhenItJoinsOrLeaves() {
        RecordingPeer alone = joined("alone");
        hub.disconnect(alone);
        RecordingPeer again = joined("again"); // a lane barrier: anything queued before has been delivered
        hub.disconnect(again);

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(broadcastTypes::isEmpty);
    }

    @Test
    void aSecondMemberStillHearsTheFirstOneLeaveAndIsAnnouncedToIt() {
        RecordingPeer first = joined("first");
        joined("second");
        hub.disconnect(first);

        await().atMost(Duration.ofSeconds(5)).until(() -> broadcastTypes.size() == 2);
        assertThat(broadcastTypes).containsExactly("presence", "presence");
    }
}
