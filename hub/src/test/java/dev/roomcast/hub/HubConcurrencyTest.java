package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.DecodeResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads joining, leaving and publishing at once, with bounded iteration counts. Exact
 * expectations come from a stable phase: after the churn, membership is fixed, every room's
 * publishers send numbered messages, and each member must receive exactly those, in each
 * publisher's order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubConcurrencyTest {
    private static final int PEERS = 200;
    private static final int ROOMS = 20;
    private static final int THREADS = 8;
    private static final int CHURN_OPS_PER_THREAD = 1_500;
    private static final int PUBLISHERS_PER_ROOM = 2;
    private static final int MESSAGES_PER_PUBLISHER = 40;
    private static final long SEED = 20260101L;

    private final FakeClock clock = new FakeClock();
    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final List<RoomName> rooms = IntStream.range(0, ROOMS).mapToObj(i -> RoomName.of("room-" + i)).toList();
    private Hub hub;

    @AfterEach
    void stopHub() {
        if (hub != null) {
            hub.stop();
        }
    }

    private Hub startHub(boolean presence) {
        RoomcastConfig config = RoomcastConfig.builder().workerCount(4).jobQueueSize(100_000)
                .joinRatePerSecond(1).joinBurst(100_000) // the fake clock never moves: the burst is the budget
                .presenceEnabled(presence).build();
        hub = Hub.create(config, codec, clock);
        return hub;
    }

    private List<RecordingPeer> connectPeers(String prefix, int count) {
        List<RecordingPeer> peers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RecordingPeer p = RecordingPeer.builder(prefix + i, codec).subject("user-" + (i % 50))
                    .capacity(4096).drainOnWake().build();
            assertThat(hub.tryConnect(p)).isEqualTo(new Admission.Admitted());
            peers.add(p);
        }
        return peers;
    }

    @Test
    void everyMemberReceivesExactlyWhatWasPublishedToItsRoomsOnceMembershipIsStable() throws Exception {
        startHub(true);
        List<RecordingPeer> peers = connectPeers("p-", PEERS);

        // 1. churn: joins, leaves, publishes and reconnects from many threads at once
        ConcurrentLinkedQueue<CompletableFuture<BroadcastResult>> churnPublishes = new ConcurrentLinkedQueue<>();
        inParallel(THREADS, t -> {
            Random random = new Random(SEED + t);
            for (int op = 0; op < CHURN_OPS_PER_THREAD; op++) {
                RecordingPeer p = peers.get(random.nextInt(PEERS));
                RoomName room = rooms.get(random.nextInt(ROOMS));
                int dice = random.nextInt(100);
                if (dice < 20) {
                    hub.tryJoin(p, room.value(), Optional.empty());
                } else if (dice < 40) {
                    // The before-open precondition concerns what a client can read first; the registry
                    // must stay consistent whichever way a join comes in.
                    hub.tryJoinBeforeOpen(p, room.value());
                } else if (dice < 75) {
                    hub.leave(p, room);
                } else if (dice < 95) {
                    churnPublishes.add(hub.broadcastRoom(room, message("churn", "t" + t, op), Optional.of(p.id())));
                } else {
                    // reconnect one of this thread's own peers (a peer is never connected twice at once)
                    RecordingPeer own = peers.get(t + THREADS * random.nextInt(PEERS / THREADS));
                    hub.disconnect(own);
                    assertThat(hub.tryConnect(own)).isEqualTo(new Admission.Admitted());
                }
            }
        });
        for (CompletableFuture<BroadcastResult> f : churnPublishes) {
            assertThat(result(f).rejected()).isEmpty();
        }
        assertRegistryIsConsistent(peers);

        // 2. stable membership: every peer ends up in exactly its own one or two rooms
        Map<RoomName, Set<ConnectionId>> expectedMembers = new HashMap<>();
        rooms.forEach(r -> expectedMembers.put(r, new TreeSet<>(Comparator.comparing(ConnectionId::value))));
        for (int i = 0; i < PEERS; i++) {
            for (RoomName r : stableRooms(i)) {
                expectedMembers.get(r).add(peers.get(i).id());
            }
        }
        inParallel(THREADS, t -> {
            for (int i = t; i < PEERS; i += THREADS) {
                RecordingPeer p = peers.get(i);
                for (RoomName r : hub.roomsOf(p.id())) {
                    if (!stableRooms(i).contains(r)) {
                        hub.leave(p, r);
                    }
                }
                for (RoomName r : stableRooms(i)) {
                    assertThat(hub.tryJoin(p, r.value(), Optional.empty())).isInstanceOf(JoinResult.Joined.class);
                }
            }
        });
        // a room's broadcasts run in order, so once this one is delivered every earlier presence event is too
        for (RoomName r : rooms) {
            result(hub.broadcastRoom(r, Envelope.toRoom("barrier", r, null), Optional.empty()));
        }
        for (RoomName r : rooms) {
            assertThat(hub.members(r)).extracting(RoomMember::connectionId)
                    .containsExactlyInAnyOrderElementsOf(expectedMembers.get(r));
        }
        Map<ConnectionId, Integer> mark = new HashMap<>();
        for (RecordingPeer p : peers) {
            mark.put(p.id(), p.receivedFrames().size());
        }

        // 3. publish: each room's publishers send numbered messages, several rooms per thread, interleaved
        List<String[]> publishers = new ArrayList<>(); // {room, publisher}
        for (RoomName r : rooms) {
            for (int j = 0; j < PUBLISHERS_PER_ROOM; j++) {
                publishers.add(new String[] {r.value(), r.value() + "/pub-" + j});
            }
        }
        ConcurrentLinkedQueue<Map.Entry<RoomName, CompletableFuture<BroadcastResult>>> published = new ConcurrentLinkedQueue<>();
        inParallel(THREADS, t -> {
            List<String[]> mine = new ArrayList<>();
            for (int k = t; k < publishers.size(); k += THREADS) {
                mine.add(publishers.get(k));
            }
            for (int seq = 0; seq < MESSAGES_PER_PUBLISHER; seq++) {
                for (String[] pub : mine) {
                    RoomName r = RoomName.of(pub[0]);
                    published.add(Map.entry(r, hub.broadcastRoom(r, message("stable", pub[1], seq), Optional.empty())));
                }
            }
        });
        for (Map.Entry<RoomName, CompletableFuture<BroadcastResult>> e : published) {
            int size = expectedMembers.get(e.getKey()).size();
            assertThat(result(e.getValue())).isEqualTo(new BroadcastResult(size, size, 0, 0, 0, Optional.empty()));
        }

        // every member received exactly its rooms' messages, each publisher's in order, and nothing else
        for (int i = 0; i < PEERS; i++) {
            RecordingPeer p = peers.get(i);
            List<Frame> frames = p.receivedFrames();
            Map<String, List<Integer>> byPublisher = new LinkedHashMap<>();
            for (Frame f : frames.subList(mark.get(p.id()), frames.size())) {
                Envelope e = decode(f);
                assertThat(e.type()).as("event for %s after the barrier", p).isEqualTo("message");
                assertThat(e.payload().get("phase").asText()).isEqualTo("stable");
                byPublisher.computeIfAbsent(e.payload().get("publisher").asText(), k -> new ArrayList<>())
                        .add(e.payload().get("seq").asInt());
            }
            Map<String, List<Integer>> expected = new LinkedHashMap<>();
            for (RoomName r : stableRooms(i)) {
                for (int j = 0; j < PUBLISHERS_PER_ROOM; j++) {
                    expected.put(r.value() + "/pub-" + j, IntStream.range(0, MESSAGES_PER_PUBLISHER).boxed().toList());
                }
            }
            assertThat(byPublisher).as("messages received by %s", p).isEqualTo(expected);
        }

        // 4. everyone disconnects at once: the counters end exact
        inParallel(THREADS, t -> {
            for (int i = t; i < PEERS; i += THREADS) {
                hub.disconnect(peers.get(i));
            }
        });
        assertThat(hub.registrationCount()).isZero();
        assertThat(hub.activeConnectionCount()).isZero();
        assertThat(hub.rooms()).isEmpty();
    }

    @Test
    void disconnectRacingWithJoinsOnEitherPathLeavesNoMembershipBehind() throws Exception {
        startHub(false);
        for (int iteration = 0; iteration < 300; iteration++) {
            RecordingPeer p = connectPeers("race-" + iteration + "-", 1).getFirst();
            boolean beforeOpen = iteration % 2 == 1;
            CountDownLatch go = new CountDownLatch(1);
            Thread joiner = Thread.ofPlatform().start(() -> {
                awaitQuietly(go);
                for (RoomName r : rooms.subList(0, 5)) {
                    if (beforeOpen) {
                        hub.tryJoinBeforeOpen(p, r.value());
                    } else {
                        hub.tryJoin(p, r.value(), Optional.empty());
                    }
                }
            });
            Thread closer = Thread.ofPlatform().start(() -> {
                awaitQuietly(go);
                hub.disconnect(p);
            });

            go.countDown();
            joiner.join(RecordingPeer.WAIT.toMillis());
            closer.join(RecordingPeer.WAIT.toMillis());

            assertThat(hub.roomsOf(p.id())).as("iteration %d", iteration).isEmpty();
            assertThat(hub.registrationCount()).as("iteration %d", iteration).isZero();
            assertThat(hub.rooms()).as("iteration %d", iteration).isEmpty();
            assertThat(hub.activeConnectionCount()).as("iteration %d", iteration).isZero();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Peer {@code i}'s rooms in the stable phase: one or two, spread over all rooms. */
    private Set<RoomName> stableRooms(int i) {
        return new TreeSet<>(List.of(rooms.get(i % ROOMS), rooms.get((i * 7 + 3) % ROOMS)));
    }

    private void assertRegistryIsConsistent(List<RecordingPeer> peers) {
        int byRoom = 0;
        for (RoomName r : hub.rooms()) {
            List<RoomMember> members = hub.members(r);
            byRoom += members.size();
            for (RoomMember m : members) {
                assertThat(hub.roomsOf(m.connectionId())).as("rooms of %s", m).contains(r);
            }
        }
        int byPeer = 0;
        for (RecordingPeer p : peers) {
            for (RoomName r : hub.roomsOf(p.id())) {
                byPeer++;
                assertThat(hub.members(r)).extracting(RoomMember::connectionId).contains(p.id());
            }
        }
        assertThat(hub.registrationCount()).isEqualTo(byRoom).isEqualTo(byPeer);
        assertThat(hub.activeConnectionCount()).isEqualTo(PEERS);
    }

    private Envelope message(String phase, String publisher, int seq) {
        return Envelope.of("message", codec.mapper().createObjectNode()
                .put("phase", phase).put("publisher", publisher).put("seq", seq));
    }

    private Envelope decode(Frame frame) {
        return ((DecodeResult.Decoded) codec.decode(frame.text())).envelope();
    }

    /** Runs {@code body(t)} for t in [0, threads) on that many threads at once; fails on the first error. */
    private static void inParallel(int threads, IntConsumer body) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            CompletableFuture<Void> f = new CompletableFuture<>();
            Thread.ofPlatform().name("worker-" + t).daemon(true).start(() -> {
                try {
                    awaitQuietly(go);
                    body.accept(index);
                    f.complete(null);
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            done.add(f);
        }
        go.countDown();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("start signal never came");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static BroadcastResult result(CompletableFuture<BroadcastResult> pending) {
        return BroadcastResults.result(pending);
    }
}
