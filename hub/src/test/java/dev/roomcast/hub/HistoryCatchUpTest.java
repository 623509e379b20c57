package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.HistoryRead;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub whose history relays messages to it the way Redis pub/sub does: separately from the store,
 * so a join can read a message that has not reached this node yet, and a message stored before the
 * node subscribed never reaches it. The join must recover each missed message exactly once and
 * neither wait for one that will never come nor deliver one from before its reply's position.
 */
class HistoryCatchUpTest {
    private static final RoomName LOG = RoomName.of("log");
    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final FakeClock clock = new FakeClock();
    private final RelayedHistory history = new RelayedHistory(new InMemoryRoomHistory(
            RoomHistoryConfig.builder().room(LOG, 100, Duration.ofMinutes(1)).build(), clock));
    private Hub hub;
    private int peers;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.stop();
        }
    }

    private Hub startHub() {
        hub = new Hub(RoomcastConfig.builder().sendQueueSize(16).build(), codec, clock, List.of(),
                new InProcessClusterBus(), PresencePolicy.always(false), Optional.of(history));
        return hub;
    }

    private RecordingPeer connected() {
        RecordingPeer peer = RecordingPeer.builder("p" + (++peers), codec).drainOnWake().build();
        hub.tryConnect(peer);
        return peer;
    }

    private Envelope join(RecordingPeer peer, Optional<StreamPosition> since) {
        assertThat(hub.tryJoin(peer, LOG.value(), Optional.empty(), since)).isInstanceOf(JoinResult.Joined.class);
        return peer.assertPushed("joined");
    }

    private Frame message(String text) {
        return codec.encode(Envelope.toRoom("message", LOG, codec.toPayload(Map.of("text", text))));
    }

    private void publishHere(String text) throws Exception {
        hub.broadcastRoom(LOG, Envelope.toRoom("message", LOG, codec.toPayload(Map.of("text", text))), Optional.empty())
                .get(5, TimeUnit.SECONDS);
    }

    private static StreamPosition positionOf(Envelope joined) {
        return StreamPosition.of(joined.payload().get("offset").asLong(), joined.payload().get("epoch").asText());
    }

    /** The next message's text and offset, as "text@offset". */
    private String nextMessage(RecordingPeer peer) {
        var json = codec.parseJson(peer.nextFrame().text()).orElseThrow();
        return json.get("payload").get("text").asText() + "@" + json.path("offset").asLong(-1);
    }

    @Test
    void aRecoveringJoinWaitsForAMessageStillOnItsWayHereAndGetsItOnce() throws Exception {
        startHub();
        RecordingPeer first = connected();
        StreamPosition seen = positionOf(join(first, Optional.empty()));
        hub.disconnect(first);
        history.holdDeliveries();
        history.appendOnAnotherNode(LOG, message("from-b")).get(5, TimeUnit.SECONDS);
        int readsBefore = history.reads();

        RecordingPeer back = connected();
        CompletableFuture<Envelope> joined = CompletableFuture.supplyAsync(() -> join(back, Optional.of(seen)));
        await().atMost(Duration.ofSeconds(5)).until(() -> history.reads() > readsBefore);
        Thread.sleep(100); // the join has read "from-b" but this node has not received it: the join must wait
        history.releaseDeliveries();

        Envelope reply = joined.get(5, TimeUnit.SECONDS);
        assertThat(reply.payload().get("recovered").asBoolean()).isTrue();
        assertThat(positionOf(reply).offset()).isEqualTo(seen.offset() + 1);
        assertThat(nextMessage(back)).isEqualTo("from-b@" + (seen.offset() + 1));
        publishHere("live");
        assertThat(nextMessage(back)).as("from-b came once, from the history").isEqualTo("live@" + (seen.offset() + 2));
    }

    @Test
    void messagesStoredBeforeTheNodeSubscribedAreRecoveredWithoutWaitingForThem() throws Exception {
        for (int i = 1; i <= 3; i++) {
            history.appendOnAnotherNode(LOG, message("m" + i)).get(5, TimeUnit.SECONDS);
        }
        String epoch = history.read(LOG, Optional.empty(), 0).toCompletableFuture().get().latest().epoch();
        startHub();

        RecordingPeer peer = connected();
        long started = System.nanoTime();
        Envelope reply = join(peer, Optional.of(StreamPosition.of(1, epoch)));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(reply.payload().get("recovered").asBoolean()).isTrue();
        assertThat(List.of(nextMessage(peer), nextMessage(peer))).containsExactly("m2@2", "m3@3");
        // Waiting for m2 and m3 to arrive would have lasted until the catch-up bound (1 s) ran out.
        assertThat(took).isLessThan(Duration.ofMillis(800));
        publishHere("m4");
        assertThat(nextMessage(peer)).isEqualTo("m4@4");
    }

    @Test
    void aMessageFromBeforeTheSubscribedPositionThatArrivesLateIsNotDelivered() throws Exception {
        history.holdDeliveries();
        history.appendOnAnotherNode(LOG, message("early")).get(5, TimeUnit.SECONDS);
        startHub(); // subscribes with the room at 1: "early" is still on its way
        RecordingPeer peer = connected();
        assertThat(positionOf(join(peer, Optional.empty())).offset()).isEqualTo(1);

        history.releaseDeliveries();
        publishHere("next");

        assertThat(nextMessage(peer)).as("the reply said 1: offset 1 must not follow it").isEqualTo("next@2");
        peer.assertNoMoreEvents();
    }

    /**
     * An {@link InMemoryRoomHistory} whose deliveries can be held back, as if on their way from Redis:
     * what it relays before the hub subscribes never reaches the hub, as pub/sub drops messages to a
     * channel nobody here subscribed yet, unless held (then it arrives after the subscription).
     */
    private static final class RelayedHistory implements RoomHistory {
        private final InMemoryRoomHistory store;
        private final List<Runnable> held = new ArrayList<>();
        private final AtomicInteger reads = new AtomicInteger();
        private boolean holding;
        private volatile Subscriber hub;

        RelayedHistory(InMemoryRoomHistory store) {
            this.store = store;
            store.subscribe(this::relay);
        }

        private synchronized void relay(RoomName room, StreamPosition position, Frame frame, Optional<ConnectionId> excluded) {
            if (holding) {
                held.add(() -> hub.deliver(room, position, frame, excluded));
            } else if (hub != null) {
                hub.deliver(room, position, frame, excluded);
            }
        }

        synchronized void holdDeliveries() {
            holding = true;
        }

        void releaseDeliveries() {
            List<Runnable> out;
            synchronized (this) {
                holding = false;
                out = List.copyOf(held);
                held.clear();
            }
            out.forEach(Runnable::run);
        }

        /** A message another node appended: stored here, relayed to this node like any other. */
        CompletableFuture<StreamPosition> appendOnAnotherNode(RoomName room, Frame frame) {
            return store.append(room, frame, Optional.empty()).toCompletableFuture();
        }

        int reads() {
            return reads.get();
        }

        @Override
        public boolean keeps(RoomName room) {
            return store.keeps(room);
        }

        /** The rooms' positions read after the hub's subscription took effect, as the Redis history reads them. */
        @Override
        public Map<RoomName, StreamPosition> subscribe(Subscriber subscriber) {
            hub = subscriber;
            Map<RoomName, StreamPosition> positions = new HashMap<>();
            positions.put(LOG, store.read(LOG, Optional.empty(), 0).toCompletableFuture().join().latest());
            return positions;
        }

        @Override
        public CompletionStage<StreamPosition> append(RoomName room, Frame frame, Optional<ConnectionId> excluded) {
            return store.append(room, frame, excluded);
        }

        @Override
        public CompletionStage<HistoryRead> read(RoomName room, Optional<StreamPosition> since, int limit) {
            reads.incrementAndGet();
            return store.read(room, since, limit);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
