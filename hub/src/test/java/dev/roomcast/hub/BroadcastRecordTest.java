package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.roomcast.core.BroadcastRecord;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The telemetry the hub reports about broadcasts and room sizes, for observability. */
@Timeout(10)
class BroadcastRecordTest {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final RoomName LOBBY = RoomName.of("lobby");

    private final RoomcastConfig config = RoomcastConfig.builder().presenceEnabled(false).workerCount(1).build();
    private final EnvelopeCodec codec = EnvelopeCodec.of(config);
    private final FakeClock clock = new FakeClock();
    private final List<BroadcastRecord> records = new CopyOnWriteArrayList<>();
    private final Hub hub = new Hub(config, codec, clock, List.of(new HubListener() {
        @Override
        public void onBroadcastCompleted(BroadcastRecord broadcast) {
            records.add(broadcast);
        }
    }), new InProcessClusterBus(), PresencePolicy.always(false));

    @AfterEach
    void stop() {
        hub.stop();
    }

    private RecordingPeer joined(String id, String room) {
        RecordingPeer peer = RecordingPeer.builder(id, codec).build();
        hub.tryConnect(peer);
        assertThat(hub.tryJoin(peer, room, Optional.empty())).isInstanceOf(JoinResult.Joined.class);
        return peer;
    }

    @Test
    void aRoomBroadcastReportsItsRoomTypeResultAndTraceparent() throws Exception {
        joined("a", "lobby");
        joined("b", "lobby");
        Envelope envelope = Envelope.toRoom("message", LOBBY, JsonNodeFactory.instance.objectNode())
                .withTraceparent(Optional.of(TRACEPARENT));

        BroadcastResult result = hub.broadcastRoom(LOBBY, envelope, Optional.empty()).get(5, TimeUnit.SECONDS);

        assertThat(records).hasSize(1);
        BroadcastRecord record = records.getFirst();
        assertThat(record.room()).contains(LOBBY);
        assertThat(record.type()).isEqualTo("message");
        assertThat(record.result()).isEqualTo(result);
        assertThat(record.result().attempted()).isEqualTo(2);
        assertThat(record.traceparent()).contains(TRACEPARENT);
        assertThat(record.end()).isAfterOrEqualTo(record.start());
    }

    @Test
    void aBroadcastToEveryoneHasNoRoomAndNoTraceparentUnlessTheEnvelopeHasOne() throws Exception {
        joined("a", "lobby");

        hub.broadcastAll(Envelope.of("notice", null), Optional.empty()).get(5, TimeUnit.SECONDS);

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.room()).isEmpty();
            assertThat(r.traceparent()).isEmpty();
            assertThat(r.result().attempted()).isEqualTo(1);
        });
    }

    @Test
    void roomMemberCountsListsEveryRoomWithMembers() {
        joined("a", "lobby");
        joined("b", "lobby");
        joined("c", "games");

        assertThat(hub.roomMemberCounts().sorted().toArray()).containsExactly(1, 2);
    }
}
