package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.StreamPosition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub on {@link InMemoryRoomHistory}: offsets on a history room's messages, what a join with
 * {@code since} recovers, and each limit (size, age, send queue) at the limit and just over.
 */
class InMemoryRoomHistoryTest {
    private static final RoomName LOG = RoomName.of("log");
    private static final RoomName PLAIN = RoomName.of("plain");
    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final FakeClock clock = new FakeClock();
    private final InMemoryRoomHistory history = new InMemoryRoomHistory(
            RoomHistoryConfig.builder().room(LOG, 3, Duration.ofSeconds(10)).build(), clock);
    private final Hub hub = new Hub(RoomcastConfig.builder().sendQueueSize(8).build(), codec, clock, List.of(),
            new InProcessClusterBus(), PresencePolicy.always(false), Optional.of(history));
    private int peers;

    @AfterEach
    void stop() {
        hub.stop();
    }

    private RecordingPeer joined(RoomName room, Optional<StreamPosition> since) {
        RecordingPeer peer = RecordingPeer.builder("p" + (++peers), codec).drainOnWake().build();
        hub.tryConnect(peer);
        assertThat(hub.tryJoin(peer, room.value(), Optional.empty(), since)).isInstanceOf(JoinResult.Joined.class);
        return peer;
    }

    private void publish(RoomName room, String text) throws Exception {
        hub.broadcastRoom(room, dev.roomcast.core.Envelope.toRoom("message", room, codec.toPayload(Map.of("text", text))),
                Optional.empty()).get(5, TimeUnit.SECONDS);
    }

    private static StreamPosition positionOf(dev.roomcast.core.Envelope joined) {
        return StreamPosition.of(joined.payload().get("offset").asLong(), joined.payload().get("epoch").asText());
    }

    /** The next message's text and offset, as "text@offset". */
    private static String nextMessage(RecordingPeer peer) {
        Frame frame = peer.nextFrame();
        var json = new EnvelopeCodec(1 << 20).parseJson(frame.text()).orElseThrow();
        return json.get("payload").get("text").asText() + "@" + json.path("offset").asLong(-1);
    }

    @Test
    void messagesOfAHistoryRoomCarryConsecutiveOffsetsAndTheEpoch() throws Exception {
        RecordingPeer alice = joined(LOG, Optional.empty());
        StreamPosition start = positionOf(alice.assertPushed("joined"));
        assertThat(start.offset()).isZero();

        publish(LOG, "a");
        publish(LOG, "b");

        assertThat(alice.nextFrame().text()).endsWith(",\"offset\":1,\"epoch\":\"" + start.epoch() + "\"}");
        assertThat(nextMessage(alice)).isEqualTo("b@2");
    }

    @Test
    void aJoinSinceTheLastOffsetRecoversTheMissedMessagesBeforeLiveOnes() throws Exception {
        RecordingPeer alice = joined(LOG, Optional.empty());
        StreamPosition start = positionOf(alice.assertPushed("joined"));
        hub.disconnect(alice);
        publish(LOG, "a");
        publish(LOG, "b");
        publish(LOG, "c");

        RecordingPeer again = joined(LOG, Optional.of(start));

        dev.roomcast.core.Envelope reply = again.assertPushed("joined");
        assertThat(reply.payload().get("recovered").asBoolean()).isTrue();
        assertThat(positionOf(reply).offset()).isEqualTo(3);
        assertThat(List.of(nextMessage(again), nextMessage(again), nextMessage(again))).containsExactly("a@1", "b@2", "c@3");
        publish(LOG, "d");
        assertThat(nextMessage(again)).isEqualTo("d@4");
    }

    @Test
    void missingOneMoreThanTheHistoryHoldsIsNotRecovered() throws Exception {
        RecordingPeer alice = joined(LOG, Optional.empty());
        StreamPosition start = positionOf(alice.assertPushed("joined"));
        hub.disconnect(alice);
        for (int i = 1; i <= 4; i++) {
            publish(LOG, "m" + i);
        }

        RecordingPeer late = joined(LOG, Optional.of(start));
        RecordingPeer inTime = joined(LOG, Optional.of(StreamPosition.of(1, start.epoch())));

        assertThat(late.assertPushed("joined").payload().get("recovered").asBoolean()).isFalse();
        late.assertNoMoreEvents();
        assertThat(inTime.assertPushed("joined").payload().get("recovered").asBoolean()).as("3 missed: at the limit").isTrue();
        assertThat(List.of(nextMessage(inTime), nextMessage(inTime), nextMessage(inTime))).containsExactly("m2@2", "m3@3", "m4@4");
    }

    @Test
    void messagesOlderThanTheAgeAreNotRecovered() throws Exception {
        RecordingPeer alice = joined(LOG, Optional.empty());
        StreamPosition start = positionOf(alice.assertPushed("joined"));
        hub.disconnect(alice);
        publish(LOG, "old");
        clock.advance(Duration.ofSeconds(10));

        RecordingPeer atTheAge = joined(LOG, Optional.of(start));
        clock.advance(Duration.ofMillis(1));
        RecordingPeer pastIt = joined(LOG, Optional.of(start));

        assertThat(atTheAge.assertPushed("joined").payload().get("recovered").asBoolean()).isTrue();
        assertThat(nextMessage(atTheAge)).isEqualTo("old@1");
        assertThat(pastIt.assertPushed("joined").payload().get("recovered").asBoolean()).isFalse();
        pastIt.assertNoMoreEvents();
    }

    @Test
    void aPositionOfAnotherEpochIsNotRecovered() throws Exception {
        publish(LOG, "x");

        RecordingPeer alice = joined(LOG, Optional.of(StreamPosition.of(0, "another-epoch")));

        assertThat(alice.assertPushed("joined").payload().get("recovered").asBoolean()).isFalse();
        alice.assertNoMoreEvents();
    }

    @Test
    void moreMissedMessagesThanTheSendQueueHoldsAreNotRecovered() throws Exception {
        InMemoryRoomHistory big = new InMemoryRoomHistory(
                RoomHistoryConfig.builder().room(LOG, 100, Duration.ofSeconds(10)).build(), clock);
        Hub small = new Hub(RoomcastConfig.builder().sendQueueSize(8).build(), codec, clock, List.of(),
                new InProcessClusterBus(), PresencePolicy.always(false), Optional.of(big));
        try {
            for (int i = 1; i <= 7; i++) {
                small.broadcastRoom(LOG, dev.roomcast.core.Envelope.toRoom("message", LOG,
                        codec.toPayload(Map.of("text", "m" + i))), Optional.empty()).get(5, TimeUnit.SECONDS);
            }
            String epoch = big.read(LOG, Optional.empty(), 0).toCompletableFuture().get().latest().epoch();
            RecordingPeer fits = RecordingPeer.builder("fits", codec).capacity(8).drainOnWake().build();
            RecordingPeer over = RecordingPeer.builder("over", codec).capacity(8).drainOnWake().build();
            small.tryConnect(fits);
            small.tryConnect(over);

            // The queue holds 8: the reply and 6 missed fit (limit sendQueueSize - 2), 7 do not.
            small.tryJoin(fits, LOG.value(), Optional.empty(), Optional.of(StreamPosition.of(1, epoch)));
            small.tryJoin(over, LOG.value(), Optional.empty(), Optional.of(StreamPosition.of(0, epoch)));

            assertThat(fits.assertPushed("joined").payload().get("recovered").asBoolean()).isTrue();
            assertThat(over.assertPushed("joined").payload().get("recovered").asBoolean()).isFalse();
            assertThat(over.isClosed()).isFalse();
        } finally {
            small.stop();
        }
    }

    @Test
    void roomsWithoutHistoryKeepTheirFormat() throws Exception {
        RecordingPeer alice = joined(PLAIN, Optional.of(StreamPosition.of(2, "abc")));
        dev.roomcast.core.Envelope reply = alice.assertPushed("joined");
        assertThat(reply.payload().has("offset")).isFalse();
        assertThat(reply.payload().has("recovered")).isFalse();

        publish(PLAIN, "hi");

        assertThat(alice.nextFrame().text()).isEqualTo("{\"type\":\"message\",\"room\":\"plain\",\"payload\":{\"text\":\"hi\"}}");
    }

    @Test
    void aRoomThatKeepsNoHistoryIsRefusedAsAnArgumentLikeRedisRefusesIt() {
        Frame frame = codec.encode(dev.roomcast.core.Envelope.toRoom("message", PLAIN, codec.toPayload(Map.of("text", "x"))));

        assertThat(history.append(PLAIN, frame, Optional.empty()).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class).withMessageContaining("plain keeps no history");
        assertThat(history.read(PLAIN, Optional.empty(), 10).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(IllegalArgumentException.class);
    }
}
