package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Rejection;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HubTest {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private static final Duration LONG = Duration.ofSeconds(30);

    private final FakeClock clock = new FakeClock();
    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final RecordingHubListener listener = new RecordingHubListener();
    /** Peers whose unread events must all have been checked by the end of the test. */
    private final List<RecordingPeer> checked = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private Hub hub;

    @AfterEach
    void everyEventWasCheckedAndTheHubStops() throws InterruptedException {
        try {
            for (RecordingPeer peer : checked) {
                peer.assertNoMoreEvents();
            }
        } finally {
            if (hub != null) {
                hub.stop();
            }
            for (Thread t : threads) {
                t.join(RecordingPeer.WAIT.toMillis());
            }
        }
    }

    /** Small pools, generous join limits, presence off: each test turns on what it checks. */
    private static RoomcastConfig.Builder settings() {
        return RoomcastConfig.builder().workerCount(2).jobQueueSize(256)
                .joinRatePerSecond(1000).joinBurst(1000).presenceEnabled(false);
    }

    @Nested
    class Joining {

        @Test
        void joinIsRefusedWithStoppedBeforeAnythingElseOnceTheHubIsStopped() {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            hub.stop();

            assertRefused(hub.tryJoin(alice, "lobby", Optional.empty()), JoinResult.Reason.STOPPED, ErrorCode.SHUTTING_DOWN);
            assertRefused(hub.tryJoin(alice, "not a room!", Optional.empty()), JoinResult.Reason.STOPPED, ErrorCode.SHUTTING_DOWN);
            alice.assertClosed(CloseCode.GOING_AWAY);
        }

        @Test
        void joinOfAnInvalidRoomNameIsRefusedBeforeTheRateLimit() {
            start(settings().joinBurst(1).joinRatePerSecond(1).build());
            RecordingPeer alice = connect("alice");
            join(alice, "first");
            alice.assertPushed("joined");

            // the only token is spent, yet the name is what is reported
            assertRefused(hub.tryJoin(alice, "not a room!", Optional.empty()), JoinResult.Reason.INVALID_ROOM, ErrorCode.INVALID_ROOM);
            assertRefused(hub.tryJoin(alice, "", Optional.empty()), JoinResult.Reason.INVALID_ROOM, ErrorCode.INVALID_ROOM);
            assertRefused(hub.tryJoin(alice, null, Optional.empty()), JoinResult.Reason.INVALID_ROOM, ErrorCode.INVALID_ROOM);
            // and before the connection check
            RecordingPeer stranger = peer("stranger").build();
            assertRefused(hub.tryJoin(stranger, "not a room!", Optional.empty()), JoinResult.Reason.INVALID_ROOM, ErrorCode.INVALID_ROOM);
            assertThat(hub.rooms()).containsExactly(RoomName.of("first"));
        }

        @Test
        void joinsWithinTheBurstSucceedAndTheNextIsRateLimitedUntilATokenRefills() {
            start(settings().joinBurst(2).joinRatePerSecond(1).build());
            RecordingPeer alice = connect("alice");

            join(alice, "r1");
            join(alice, "r2"); // the burst: at the limit
            assertRefused(hub.tryJoin(alice, "r3", Optional.empty()), JoinResult.Reason.RATE_LIMITED, ErrorCode.RATE_LIMITED);
            clock.advance(Duration.ofMillis(999));
            assertRefused(hub.tryJoin(alice, "r3", Optional.empty()), JoinResult.Reason.RATE_LIMITED, ErrorCode.RATE_LIMITED);
            clock.advance(Duration.ofMillis(1));
            join(alice, "r3");

            alice.assertPushed("joined");
            alice.assertPushed("joined");
            alice.assertPushed("joined");
            assertThat(hub.rooms()).containsExactly(RoomName.of("r1"), RoomName.of("r2"), RoomName.of("r3"));
            assertThat(hub.registrationCount()).isEqualTo(3);
        }

        @Test
        void joinRateIsPerConnection() {
            start(settings().joinBurst(1).joinRatePerSecond(1).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");

            join(alice, "lobby");
            assertRefused(hub.tryJoin(alice, "other", Optional.empty()), JoinResult.Reason.RATE_LIMITED, ErrorCode.RATE_LIMITED);
            join(bob, "lobby");

            alice.assertPushed("joined");
            bob.assertPushed("joined");
        }

        @Test
        void rateLimitIsCheckedBeforeTheRegistrationLimit() {
            start(settings().joinBurst(1).joinRatePerSecond(1).maxRoomRegistrations(1).build());
            RecordingPeer alice = connect("alice");
            join(alice, "r1"); // spends the token and the only registration
            alice.assertPushed("joined");

            assertRefused(hub.tryJoin(alice, "r2", Optional.empty()), JoinResult.Reason.RATE_LIMITED, ErrorCode.RATE_LIMITED);
        }

        @Test
        void joinsUpToMaxRoomRegistrationsSucceedAndOneMoreIsRefusedWithRegistrationsFull() {
            start(settings().maxRoomRegistrations(2).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            RecordingPeer carol = connect("carol");
            join(alice, "r1");
            join(bob, "r1"); // at the limit

            assertRefused(hub.tryJoin(carol, "r2", Optional.empty()), JoinResult.Reason.REGISTRATIONS_FULL, ErrorCode.HUB_FULL);
            assertThat(hub.rooms()).containsExactly(RoomName.of("r1"));
            assertThat(hub.registrationCount()).isEqualTo(2);

            assertThat(hub.leave(alice, RoomName.of("r1"))).isTrue();
            join(carol, "r2");
            assertThat(hub.registrationCount()).isEqualTo(2);

            alice.assertPushed("joined");
            bob.assertPushed("joined");
            carol.assertPushed("joined");
        }

        @Test
        void registrationLimitIsCheckedBeforeTheRoomLimit() {
            start(settings().maxRoomRegistrations(1).maxRoomConnections(1).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            join(alice, "lobby");
            alice.assertPushed("joined");

            assertRefused(hub.tryJoin(bob, "lobby", Optional.empty()), JoinResult.Reason.REGISTRATIONS_FULL, ErrorCode.HUB_FULL);
        }

        @Test
        void joinsUpToMaxRoomConnectionsSucceedAndOneMoreIsRefusedWithRoomFull() {
            start(settings().maxRoomConnections(2).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            RecordingPeer carol = connect("carol");
            join(alice, "lobby");
            join(bob, "lobby"); // at the limit

            assertRefused(hub.tryJoin(carol, "lobby", Optional.empty()), JoinResult.Reason.ROOM_FULL, ErrorCode.ROOM_FULL);
            assertThat(hub.registrationCount()).as("a room-full refusal gives its registration back").isEqualTo(2);
            join(carol, "other"); // the limit is per room

            hub.leave(alice, LOBBY);
            join(carol, "lobby");

            alice.assertPushed("joined");
            bob.assertPushed("joined");
            carol.assertPushed("joined");
            carol.assertPushed("joined");
        }

        @Test
        void joinOfAConnectionThatIsNotConnectedIsRefusedWithNotConnected() {
            start(settings().build());
            RecordingPeer stranger = peer("stranger").build();
            RecordingPeer alice = connect("alice");
            hub.disconnect(alice);

            assertRefused(hub.tryJoin(stranger, "lobby", Optional.empty()), JoinResult.Reason.NOT_CONNECTED, ErrorCode.SHUTTING_DOWN);
            assertRefused(hub.tryJoin(alice, "lobby", Optional.empty()), JoinResult.Reason.NOT_CONNECTED, ErrorCode.SHUTTING_DOWN);
            assertThat(hub.rooms()).isEmpty();
        }

        @Test
        void aJoinedReplyListsAtMostTheLimitButAlwaysTheTotalAndTheJoiner() {
            start(settings().build());
            int others = Hub.JOINED_MEMBER_LIMIT + 20;
            for (int i = 0; i < others; i++) {
                RecordingPeer p = connect(String.format("m%03d", i));
                join(p, "big");
                p.takeEvents();
            }
            RecordingPeer late = connect("zz-late");

            JoinResult.Joined joined = join(late, "big");

            assertThat(joined.members()).hasSize(Hub.JOINED_MEMBER_LIMIT).contains(new RoomMember("zz-late", late.id()));
            Envelope reply = late.assertPushed("joined");
            assertThat(reply.payload().path("members")).hasSize(Hub.JOINED_MEMBER_LIMIT);
            assertThat(reply.payload().path("memberCount").asInt()).isEqualTo(others + 1);
            assertThat(hub.members(RoomName.of("big"))).hasSize(others + 1);
        }

        @Test
        void everyRefusalReasonIsDistinctAndListedInCheckOrder() {
            assertThat(JoinResult.Reason.values()).containsExactly(JoinResult.Reason.STOPPED,
                    JoinResult.Reason.INVALID_ROOM, JoinResult.Reason.RATE_LIMITED, JoinResult.Reason.REGISTRATIONS_FULL,
                    JoinResult.Reason.ROOM_FULL, JoinResult.Reason.BUSY, JoinResult.Reason.SEND_QUEUE_FULL,
                    JoinResult.Reason.NOT_CONNECTED);
        }

        @Test
        void refusedJoinOfANewRoomLeavesNoRoomBehindAndTellsTheListener() {
            start(settings().maxRoomRegistrations(1).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            join(alice, "lobby");
            alice.assertPushed("joined");

            hub.tryJoin(bob, "elsewhere", Optional.empty());

            assertThat(hub.rooms()).containsExactly(LOBBY);
            assertThat(hub.roomCount(RoomName.of("elsewhere"))).isZero();
            assertThat(hub.roomsOf(bob.id())).isEmpty();
            assertThat(listener.events()).containsExactly("joined c-alice lobby", "refused c-bob elsewhere HUB_FULL");
        }

        @Test
        void duplicateJoinSucceedsEvenAtEveryLimitAndChangesNothing() {
            start(settings().joinBurst(1).joinRatePerSecond(1).maxRoomRegistrations(1).maxRoomConnections(1).build());
            RecordingPeer alice = connect("alice");
            join(alice, "lobby"); // token spent, room full, registrations full
            alice.assertPushed("joined");

            JoinResult again = hub.tryJoin(alice, "lobby", Optional.of("again"));

            assertThat(again).isEqualTo(new JoinResult.Joined(LOBBY, List.of(member("alice")), true));
            assertThat(hub.registrationCount()).isEqualTo(1);
            assertThat(hub.roomCount(LOBBY)).isEqualTo(1);
            assertThat(listener.events()).containsExactly("joined c-alice lobby");
            alice.takeEvents(); // the reply is checked below
        }

        @Test
        void duplicateJoinIsAnsweredWithJoinedEchoingItsIdAndAnnouncesNothing() {
            start(settings().presenceEnabled(true).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            join(alice, "lobby");
            alice.assertPushed("joined");
            settle(LOBBY, alice);
            join(bob, "lobby");
            assertPresence(alice.nextEvent(), "join", "bob");
            bob.assertPushed("joined");

            hub.tryJoin(bob, "lobby", Optional.of("again"));
            barrier(LOBBY);

            Envelope reply = bob.assertPushed("joined");
            assertThat(reply.id()).contains("again");
            assertThat(members(reply)).containsExactly(member("alice"), member("bob"));
            bob.assertPushed("barrier");
            alice.assertPushed("barrier"); // no second presence join before it
        }

        @Test
        void joinerGetsJoinedWithItsIdEchoedAndTheMembersSortedBySubjectThenConnection() {
            start(settings().build());
            RecordingPeer carol = connect(peer("carol"));
            RecordingPeer aliceTab2 = connect(peer("alice").id("c-alice-2"));
            RecordingPeer bob = connect(peer("bob"));
            RecordingPeer aliceTab1 = connect(peer("alice").id("c-alice-1"));
            join(carol, "lobby");
            join(aliceTab2, "lobby");
            join(bob, "lobby");

            JoinResult result = hub.tryJoin(aliceTab1, "lobby", Optional.of("req-7"));

            List<RoomMember> expected = List.of(new RoomMember("alice", ConnectionId.of("c-alice-1")),
                    new RoomMember("alice", ConnectionId.of("c-alice-2")), member("bob"), member("carol"));
            assertThat(result).isEqualTo(new JoinResult.Joined(LOBBY, expected, false));
            Envelope joined = aliceTab1.assertPushed("joined");
            assertThat(joined.room()).contains("lobby");
            assertThat(joined.id()).contains("req-7");
            assertThat(members(joined)).isEqualTo(expected);
            assertThat(hub.members(LOBBY)).isEqualTo(expected);
            assertThat(members(carol.assertPushed("joined"))).containsExactly(member("carol"));
            assertThat(aliceTab2.assertPushed("joined").id()).isEmpty();
            bob.assertPushed("joined");
        }

        /**
         * On either path, while the room is being broadcast to: the joiner's first frame is its
         * {@code joined} reply, and the broadcasts after it are a gap-free tail.
         */
        @ParameterizedTest
        @EnumSource(JoinPath.class)
        void joinerGetsJoinedBeforeAnyBroadcastOfTheRoomThenAGapFreeTail(JoinPath path) throws Exception {
            start(settings().jobQueueSize(1024).build());
            RecordingPeer alice = connect(peer("alice").capacity(1000).drainOnWake());
            RecordingPeer bob = connect(peer("bob").capacity(1000));
            join(alice, "lobby");
            int count = 200;
            CountDownLatch underway = new CountDownLatch(1);
            List<CompletableFuture<BroadcastResult>> results = new CopyOnWriteArrayList<>();
            Thread broadcaster = start("broadcaster", () -> {
                for (int i = 0; i < count; i++) {
                    results.add(hub.broadcastRoom(LOBBY, message(LOBBY, i), Optional.empty()));
                    if (i == count / 4) {
                        underway.countDown();
                    }
                }
            });
            assertThat(underway.await(5, TimeUnit.SECONDS)).isTrue();

            assertThat(path.join(hub, bob, "lobby")).isInstanceOf(JoinResult.Joined.class);
            broadcaster.join(RecordingPeer.WAIT.toMillis());
            BroadcastResult last = result(hub.broadcastRoom(LOBBY, message(LOBBY, count), Optional.empty()));

            assertThat(last).isEqualTo(delivered(2, 2));
            for (CompletableFuture<BroadcastResult> r : results) {
                assertThat(result(r).rejected()).isEmpty();
            }
            List<Envelope> events = bob.takeEvents();
            assertThat(events.getFirst().type()).isEqualTo("joined");
            List<Integer> seqs = events.subList(1, events.size()).stream().map(HubTest::seq).toList();
            int first = seqs.getFirst();
            assertThat(seqs).as("a gap-free tail of the broadcasts").isEqualTo(range(first, count + 1));
            assertThat(alice.takeEvents()).hasSize(count + 2); // joined, then every broadcast
        }

        @ParameterizedTest
        @EnumSource(value = SendBehavior.class, names = {"DROP", "BLOCK"})
        void joinerWhoseQueueIsFullNeverReceivesARoomMessageBeforeItsJoinedReply(SendBehavior behavior) {
            start(settings().build());
            RecordingPeer alice = connect(peer("alice").capacity(1).behavior(behavior).timeout(Duration.ofMillis(50))).fillQueue();

            JoinResult result = hub.tryJoin(alice, "lobby", Optional.of("j1"));
            alice.assertPushed("filler"); // the client catches up
            BroadcastResult broadcast = result(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()));

            List<String> types = alice.takeEvents().stream().map(Envelope::type).toList();
            boolean member = hub.roomsOf(alice.id()).contains(LOBBY);
            assertThat(result instanceof JoinResult.Joined).as("joined ⇔ member").isEqualTo(member);
            assertThat(broadcast.attempted()).isEqualTo(member ? 1 : 0);
            if (member) {
                assertThat(types).containsExactly("joined", "message");
            } else {
                assertThat(types).isEmpty();
            }
        }

        @Test
        void joinIsRefusedWithSendQueueFullWhenTheJoinedReplyCannotBeQueuedAtOnce() {
            start(settings().build());
            RecordingPeer alice = connect(peer("alice").capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG)).fillQueue();

            // no 30 s wait: the hub never waits for a slow joiner
            JoinResult result = hub.tryJoin(alice, "lobby", Optional.of("j1"));

            assertRefused(result, JoinResult.Reason.SEND_QUEUE_FULL, ErrorCode.RATE_LIMITED);
            assertThat(hub.rooms()).isEmpty();
            assertThat(hub.registrationCount()).isZero();
            alice.assertPushed("filler");
            assertThat(listener.events()).containsExactly("refused c-alice lobby RATE_LIMITED");
        }

        @Test
        void disconnectRacingWithAJoinLeavesNoMembershipBehind() {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            checked.remove(alice); // whether the racing join's reply was queued does not matter here
            AtomicBoolean once = new AtomicBoolean();
            // The transport disconnects from an I/O thread while the connection's own thread may be joining.
            // The hook runs that disconnect in the middle of the join, after the hub has looked the member up.
            alice.onTrySend(frame -> {
                if (once.compareAndSet(false, true)) {
                    Thread ioThread = Thread.ofPlatform().start(() -> hub.disconnect(alice));
                    try {
                        ioThread.join(RecordingPeer.WAIT.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });

            hub.tryJoin(alice, "lobby", Optional.empty());

            assertThat(hub.activeConnectionCount()).isZero();
            assertThat(hub.roomsOf(alice.id())).isEmpty();
            assertThat(hub.members(LOBBY)).isEmpty();
            assertThat(hub.rooms()).isEmpty();
            assertThat(hub.registrationCount()).isZero();
        }
    }

    /**
     * Joins made at the upgrade, before the peer's writer runs ({@link Hub#tryJoinBeforeOpen}): they
     * complete on the caller's thread, without the lane, and otherwise behave as {@link Hub#tryJoin}.
     */
    @Nested
    class JoiningBeforeOpen {

        @Test
        void aJoinBeforeOpenIsVisibleWhenItReturnsWithItsJoinedReplyQueued() {
            start(settings().build());
            joinedMembers("alice", "bob");
            RecordingPeer carol = connect("carol");

            JoinResult result = hub.tryJoinBeforeOpen(carol, "lobby");

            List<RoomMember> all = List.of(member("alice"), member("bob"), member("carol"));
            assertThat(result).isEqualTo(new JoinResult.Joined(LOBBY, all, false));
            assertThat(hub.members(LOBBY)).isEqualTo(all);
            assertThat(hub.roomsOf(carol.id())).containsExactly(LOBBY);
            assertThat(hub.registrationCount()).isEqualTo(3);
            assertThat(carol.queued()).as("the reply is queued when the call returns").isEqualTo(1);
            Envelope joined = carol.assertPushed("joined");
            assertThat(joined.id()).isEmpty();
            assertThat(members(joined)).isEqualTo(all);
            assertThat(joined.payload().get("memberCount").asInt()).isEqualTo(3);
            assertThat(listener.events()).containsExactly("joined c-alice lobby", "joined c-bob lobby", "joined c-carol lobby");
        }

        @Test
        void aJoinBeforeOpenQueuesNoLaneJobAndGoesThroughWhileTheOnlyLaneIsStuckAndFull() {
            start(settings().workerCount(1).jobQueueSize(1).build());
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
            join(slow, "lobby"); // its queue is full with the joined reply
            CompletableFuture<BroadcastResult> running = hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty());
            slow.awaitSendCalls(1); // the only lane waits on the slow member
            CompletableFuture<BroadcastResult> waiting = hub.broadcastRoom(LOBBY, message(LOBBY, 2), Optional.empty());
            assertThat(hub.queuedBroadcastJobs()).isEqualTo(1); // and its queue is full
            RecordingPeer late = connect("late");
            assertRefused(hub.tryJoin(late, "lobby", Optional.empty()), JoinResult.Reason.BUSY, ErrorCode.HUB_FULL);

            RecordingPeer early = connect("early");
            JoinResult result = hub.tryJoinBeforeOpen(early, "lobby");

            assertThat(result).isEqualTo(new JoinResult.Joined(LOBBY, List.of(member("early"), member("slow")), false));
            assertThat(hub.members(LOBBY)).containsExactly(member("early"), member("slow"));
            assertThat(hub.queuedBroadcastJobs()).as("nothing was queued for the join").isEqualTo(1);
            early.assertPushed("joined");
            // the lane moves on once the slow member reads; broadcast 2 runs after the join and reaches the newcomer
            slow.assertPushed("joined");
            assertThat(seq(slow.assertPushed("message"))).isEqualTo(1);
            assertThat(result(running)).isEqualTo(delivered(1, 1));
            assertThat(seq(slow.assertPushed("message"))).isEqualTo(2);
            assertThat(result(waiting)).isEqualTo(delivered(2, 2));
            assertThat(seq(early.assertPushed("message"))).isEqualTo(2);
        }

        @ParameterizedTest
        @EnumSource(JoinPath.class)
        void everyLimitRefusesWithTheSameReasonInTheSameOrderAndTellsTheListenerAlike(JoinPath path) {
            start(settings().joinBurst(2).joinRatePerSecond(1).maxRoomRegistrations(3).maxRoomConnections(2).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            RecordingPeer carol = connect("carol");
            RecordingPeer dave = connect("dave");
            RecordingPeer stranger = peer("stranger").build();

            assertRefused(path.join(hub, alice, "not a room!"), JoinResult.Reason.INVALID_ROOM, ErrorCode.INVALID_ROOM);
            assertRefused(path.join(hub, stranger, "lobby"), JoinResult.Reason.NOT_CONNECTED, ErrorCode.SHUTTING_DOWN);
            assertThat(path.join(hub, alice, "lobby")).isInstanceOf(JoinResult.Joined.class);
            assertThat(path.join(hub, bob, "lobby")).isInstanceOf(JoinResult.Joined.class); // the room is full
            assertRefused(path.join(hub, carol, "lobby"), JoinResult.Reason.ROOM_FULL, ErrorCode.ROOM_FULL);
            assertThat(path.join(hub, carol, "other")).isInstanceOf(JoinResult.Joined.class); // registrations full
            assertRefused(path.join(hub, dave, "third"), JoinResult.Reason.REGISTRATIONS_FULL, ErrorCode.HUB_FULL);
            assertRefused(path.join(hub, alice, "third"), JoinResult.Reason.REGISTRATIONS_FULL, ErrorCode.HUB_FULL);
            assertRefused(path.join(hub, alice, "third"), JoinResult.Reason.RATE_LIMITED, ErrorCode.RATE_LIMITED);
            JoinResult again = path.join(hub, alice, "lobby"); // at every limit

            assertThat(again).isEqualTo(new JoinResult.Joined(LOBBY, List.of(member("alice"), member("bob")), true));
            assertThat(hub.registrationCount()).isEqualTo(3);
            assertThat(hub.rooms()).containsExactly(LOBBY, RoomName.of("other"));
            assertThat(listener.events()).containsExactly(
                    "refused c-stranger lobby SHUTTING_DOWN",
                    "joined c-alice lobby",
                    "joined c-bob lobby",
                    "refused c-carol lobby ROOM_FULL",
                    "joined c-carol other",
                    "refused c-dave third HUB_FULL",
                    "refused c-alice third HUB_FULL",
                    "refused c-alice third RATE_LIMITED");
            alice.assertPushed("joined");
            alice.assertPushed("joined"); // the duplicate is answered too
            bob.assertPushed("joined");
            carol.assertPushed("joined");
        }

        @ParameterizedTest
        @EnumSource(JoinPath.class)
        void aJoinerWhoseQueueIsFullIsRefusedWithSendQueueFullOnBothPaths(JoinPath path) {
            start(settings().build());
            RecordingPeer alice = connect(peer("alice").capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG)).fillQueue();

            assertRefused(path.join(hub, alice, "lobby"), JoinResult.Reason.SEND_QUEUE_FULL, ErrorCode.RATE_LIMITED);

            assertThat(hub.rooms()).isEmpty();
            assertThat(hub.registrationCount()).isZero();
            assertThat(hub.roomsOf(alice.id())).isEmpty();
            alice.assertPushed("filler");
            assertThat(listener.events()).containsExactly("refused c-alice lobby RATE_LIMITED");
        }

        @ParameterizedTest
        @EnumSource(JoinPath.class)
        void aStoppedHubRefusesJoinsOnBothPaths(JoinPath path) {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            hub.stop();

            assertRefused(path.join(hub, alice, "lobby"), JoinResult.Reason.STOPPED, ErrorCode.SHUTTING_DOWN);
            alice.assertClosed(CloseCode.GOING_AWAY);
        }

        @ParameterizedTest
        @EnumSource(JoinPath.class)
        void othersHearAJoinBeforeOpenAsPresenceAndTheJoinerHearsOnlyItsReply(JoinPath path) {
            start(settings().presenceEnabled(true).build());
            RecordingPeer alice = connect("alice");
            join(alice, "lobby");
            alice.assertPushed("joined");
            settle(LOBBY, alice);
            RecordingPeer bob = connect("bob");

            assertThat(path.join(hub, bob, "lobby")).isInstanceOf(JoinResult.Joined.class);
            barrier(LOBBY);

            assertPresence(alice.nextEvent(), "join", "bob");
            alice.assertPushed("barrier");
            bob.assertPushed("joined");
            bob.assertPushed("barrier");
        }

        @ParameterizedTest
        @EnumSource(JoinPath.class)
        void disconnectRacingWithAJoinLeavesNoMembershipBehindOnBothPaths(JoinPath path) {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            checked.remove(alice); // whether the racing join's reply was queued does not matter here
            AtomicBoolean once = new AtomicBoolean();
            // The disconnect runs in the middle of the join, after the hub has looked the member up.
            alice.onTrySend(frame -> {
                if (once.compareAndSet(false, true)) {
                    Thread ioThread = Thread.ofPlatform().start(() -> hub.disconnect(alice));
                    try {
                        ioThread.join(RecordingPeer.WAIT.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });

            JoinResult result = path.join(hub, alice, "lobby");

            assertRefused(result, JoinResult.Reason.NOT_CONNECTED, ErrorCode.SHUTTING_DOWN);
            assertThat(hub.activeConnectionCount()).isZero();
            assertThat(hub.roomsOf(alice.id())).isEmpty();
            assertThat(hub.members(LOBBY)).isEmpty();
            assertThat(hub.rooms()).isEmpty();
            assertThat(hub.registrationCount()).isZero();
        }
    }

    @Nested
    class Presence {

        @Test
        void othersSeeJoinAndLeaveWhileTheJoinerAndLeaverSeeNoPresenceOfThemselves() {
            start(settings().presenceEnabled(true).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            join(alice, "lobby");
            alice.assertPushed("joined");
            settle(LOBBY, alice);

            join(bob, "lobby");
            assertPresence(alice.nextEvent(), "join", "bob");
            bob.assertPushed("joined");

            assertThat(hub.leave(bob, LOBBY)).isTrue();
            assertPresence(alice.nextEvent(), "leave", "bob");

            barrier(LOBBY);
            alice.assertPushed("barrier");
            bob.assertNoMoreEvents(); // no presence of its own join, and not a member at the barrier
        }

        @Test
        void disconnectAnnouncesALeaveInEveryRoomOfTheConnection() {
            start(settings().presenceEnabled(true).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            RecordingPeer carol = connect("carol");
            join(alice, "r1");
            join(carol, "r2");
            alice.assertPushed("joined");
            carol.assertPushed("joined");
            settle(RoomName.of("r1"), alice);
            settle(RoomName.of("r2"), carol);
            join(bob, "r1");
            join(bob, "r2");
            bob.assertPushed("joined");
            bob.assertPushed("joined");
            assertPresence(alice.nextEvent(), "join", "bob");
            assertPresence(carol.nextEvent(), "join", "bob");

            hub.disconnect(bob);

            assertPresence(alice.nextEvent(), "leave", "bob");
            assertPresence(carol.nextEvent(), "leave", "bob");
        }

        @Test
        void noPresenceIsSentInRoomsThePolicyKeepsQuiet() {
            start(settings().build(), room -> room.value().startsWith("chat"));
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            join(alice, "quiet");
            join(alice, "chat");
            alice.assertPushed("joined");
            alice.assertPushed("joined");
            settle(RoomName.of("chat"), alice);

            join(bob, "quiet");
            join(bob, "chat");
            hub.leave(bob, RoomName.of("quiet"));
            barrier(RoomName.of("quiet"));
            barrier(RoomName.of("chat"));

            assertThat(alice.takeEvents()).extracting(Envelope::type, e -> e.room().orElseThrow())
                    .containsExactlyInAnyOrder(
                            tuple("barrier", "quiet"),
                            tuple("presence", "chat"),
                            tuple("barrier", "chat"));
            bob.assertPushed("joined");
            bob.assertPushed("joined");
            bob.assertPushed("barrier");
        }

        @Test
        void presenceNeverKeepsAMemberWhoseDisconnectRacedWithItsJoin() throws Exception {
            AtomicReference<Runnable> onNextAnnouncement = new AtomicReference<>(() -> { });
            start(settings().build(), room -> {
                onNextAnnouncement.getAndSet(() -> { }).run();
                return true;
            });
            RecordingPeer alice = connect("alice");
            join(alice, "lobby");
            alice.assertPushed("joined");
            settle(LOBBY, alice);
            RecordingPeer bob = connect("bob");
            checked.remove(bob);
            // The transport's I/O thread closes bob while bob's own thread is still inside its join,
            // at the moment the join is announced; the close either completes or has to wait its turn.
            AtomicReference<Thread> ioThread = new AtomicReference<>();
            onNextAnnouncement.set(() -> {
                Thread t = Thread.ofPlatform().start(() -> hub.disconnect(bob));
                ioThread.set(t);
                await().atMost(RecordingPeer.WAIT).until(() ->
                        t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TERMINATED);
            });

            join(bob, "lobby");
            ioThread.get().join(RecordingPeer.WAIT.toMillis());
            barrier(LOBBY);

            List<Envelope> events = alice.takeEvents();
            assertThat(events).extracting(e -> e.type().equals("presence") ? e.payload().get("event").asText() : e.type())
                    .as("what alice last hears of bob is that he left").containsExactly("join", "leave", "barrier");
            assertThat(hub.members(LOBBY)).containsExactly(member("alice"));
        }
    }

    @Nested
    class Registry {

        @Test
        void emptyRoomDisappearsWhenItsLastMemberLeaves() {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            join(alice, "lobby");
            join(bob, "lobby");
            alice.assertPushed("joined");
            bob.assertPushed("joined");

            hub.leave(alice, LOBBY);
            assertThat(hub.rooms()).containsExactly(LOBBY);
            hub.leave(bob, LOBBY);

            assertThat(hub.rooms()).isEmpty();
            assertThat(hub.roomCount(LOBBY)).isZero();
            assertThat(hub.members(LOBBY)).isEmpty();
            assertThat(hub.leave(bob, LOBBY)).as("leaving again").isFalse();
        }

        @Test
        void countersAndListingsAreExact() {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            RecordingPeer carol = connect("carol");
            connect("dave"); // connected, in no room
            for (String room : List.of("r1", "r2", "r3")) {
                join(alice, room);
            }
            join(bob, "r1");
            join(bob, "r2");
            join(carol, "r1");
            for (RecordingPeer p : List.of(alice, alice, alice, bob, bob, carol)) {
                p.assertPushed("joined");
            }

            assertThat(hub.activeConnectionCount()).isEqualTo(4);
            assertThat(hub.registrationCount()).isEqualTo(6);
            assertThat(hub.rooms()).containsExactly(RoomName.of("r1"), RoomName.of("r2"), RoomName.of("r3"));
            assertThat(hub.roomCount(RoomName.of("r1"))).isEqualTo(3);
            assertThat(hub.roomCount(RoomName.of("r2"))).isEqualTo(2);
            assertThat(hub.roomCount(RoomName.of("r3"))).isEqualTo(1);
            assertThat(hub.roomCount(RoomName.of("nowhere"))).isZero();
            assertThat(hub.members(RoomName.of("r1"))).containsExactly(member("alice"), member("bob"), member("carol"));
            assertThat(hub.roomsOf(alice.id())).containsExactlyInAnyOrder(RoomName.of("r1"), RoomName.of("r2"), RoomName.of("r3"));

            hub.leave(alice, RoomName.of("r3"));
            hub.disconnect(bob);

            assertThat(hub.activeConnectionCount()).isEqualTo(3);
            assertThat(hub.registrationCount()).isEqualTo(3);
            assertThat(hub.rooms()).containsExactly(RoomName.of("r1"), RoomName.of("r2"));
            assertThat(hub.members(RoomName.of("r1"))).containsExactly(member("alice"), member("carol"));
            assertThat(hub.members(RoomName.of("r2"))).containsExactly(member("alice"));
        }

        @Test
        void disconnectIsIdempotentAndLeavesEveryRoomExactlyOnce() throws Exception {
            start(settings().maxConnections(2).build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            for (String room : List.of("r1", "r2", "r3")) {
                join(alice, room);
                alice.assertPushed("joined");
            }
            join(bob, "r1");
            bob.assertPushed("joined");
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> closers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                closers.add(start("closer-" + i, () -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    hub.disconnect(alice);
                }));
            }

            go.countDown();
            for (Thread t : closers) {
                t.join(RecordingPeer.WAIT.toMillis());
            }
            hub.disconnect(alice);

            assertThat(listener.events("left")).containsExactlyInAnyOrder(
                    "left c-alice r1", "left c-alice r2", "left c-alice r3");
            assertThat(hub.activeConnectionCount()).isEqualTo(1);
            assertThat(hub.registrationCount()).isEqualTo(1);
            assertThat(hub.rooms()).containsExactly(RoomName.of("r1"));
            // exactly one slot was given back
            assertThat(hub.tryConnect(peer("carol").build())).isEqualTo(new Admission.Admitted());
            assertThat(hub.tryConnect(peer("dave").build())).isEqualTo(new Admission.Refused(ErrorCode.HUB_FULL));
        }

        @Test
        void connectionsUpToMaxConnectionsAreAdmittedAndOneMoreIsRefusedWithHubFull() {
            start(settings().maxConnections(2).build());
            RecordingPeer alice = connect("alice");
            connect("bob"); // at the limit
            RecordingPeer carol = peer("carol").build();

            assertThat(hub.tryConnect(carol)).isEqualTo(new Admission.Refused(ErrorCode.HUB_FULL));
            assertThat(hub.activeConnectionCount()).isEqualTo(2);

            hub.disconnect(alice);
            assertThat(hub.tryConnect(carol)).isEqualTo(new Admission.Admitted());
        }

        @Test
        void connectingTheSameConnectionTwiceFailsWithoutTakingASlot() {
            start(settings().maxConnections(2).build());
            RecordingPeer alice = connect("alice");

            assertThatIllegalStateException().isThrownBy(() -> hub.tryConnect(alice));

            assertThat(hub.tryConnect(peer("bob").build())).isEqualTo(new Admission.Admitted());
        }

        @Test
        void connectionsAreRefusedWithShuttingDownAfterStop() {
            start(settings().build());
            hub.stop();

            assertThat(hub.tryConnect(peer("alice").build())).isEqualTo(new Admission.Refused(ErrorCode.SHUTTING_DOWN));
            assertThat(hub.activeConnectionCount()).isZero();
        }

        @Test
        void connectionsAreRefusedWithShuttingDownAfterShutdown() {
            start(settings().build());
            assertThat(hub.shutdown(Duration.ofSeconds(1))).isEqualTo(new Hub.ShutdownResult(0, 0));

            assertThat(hub.tryConnect(peer("alice").build())).isEqualTo(new Admission.Refused(ErrorCode.SHUTTING_DOWN));
        }

        @Test
        void listenerHearsEachJoinAndLeaveOnce() {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            join(alice, "r1");
            join(alice, "r2");
            hub.tryJoin(alice, "r1", Optional.empty()); // duplicate: nothing new
            hub.leave(alice, RoomName.of("r1"));
            hub.disconnect(alice);
            alice.takeEvents();

            assertThat(listener.events()).containsExactly(
                    "joined c-alice r1", "joined c-alice r2", "left c-alice r1", "left c-alice r2");
        }
    }

    @Nested
    class Broadcasting {

        @Test
        void broadcastEncodesOnceAndTheSameFrameReachesEveryMember() {
            start(settings().build());
            List<RecordingPeer> members = joinedMembers("alice", "bob", "carol");

            BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()));

            assertThat(result).isEqualTo(delivered(3, 3));
            Frame first = members.getFirst().nextFrame();
            assertThat(first.text()).isEqualTo("{\"type\":\"message\",\"room\":\"lobby\",\"payload\":{\"seq\":1}}");
            for (RecordingPeer p : members.subList(1, 3)) {
                assertThat(p.nextFrame()).isSameAs(first);
            }
        }

        @Test
        void broadcastExcludesTheSenderWhenAsked() {
            start(settings().build());
            List<RecordingPeer> members = joinedMembers("alice", "bob", "carol");

            BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.of(members.getFirst().id())));

            assertThat(result).isEqualTo(delivered(2, 2));
            members.get(1).assertPushed("message");
            members.get(2).assertPushed("message");
        }

        @Test
        void broadcastToAnEmptyOrUnknownRoomAttemptsNobody() {
            start(settings().build());

            assertThat(result(hub.broadcastRoom(RoomName.of("nobody-here"), message(LOBBY, 1), Optional.empty())))
                    .isEqualTo(delivered(0, 0));
        }

        @Test
        void dropBehaviorCountsTheSlowMemberAsDroppedWhileOthersReceive() {
            start(settings().build());
            List<RecordingPeer> fast = joinedMembers("alice", "bob");
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.DROP));
            join(slow, "lobby"); // its joined reply fills its queue; it never reads

            BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()));

            assertThat(result).isEqualTo(new BroadcastResult(3, 2, 1, 0, 0, Optional.empty()));
            Frame frame = fast.get(0).nextFrame();
            assertThat(fast.get(1).nextFrame()).isSameAs(frame);
            slow.assertPushed("joined"); // and nothing after it
            assertThat(slow.isOpen()).isTrue();
        }

        @Test
        void aRoomWithItsOwnDropBehaviorDropsForAFullMemberWhileItsOtherRoomStillWaitsForIt() {
            RoomName feed = RoomName.of("feed");
            start(settings().sendTimeout(Duration.ofMillis(100)).roomSendBehavior(feed, SendBehavior.DROP).build());
            RecordingPeer alice = connect(peer("alice").behavior(SendBehavior.BLOCK));
            join(alice, "lobby");
            join(alice, "feed");
            alice.assertPushed("joined");
            alice.assertPushed("joined");
            // Its two joined replies fill its queue; it never reads.
            RecordingPeer slow = connect(peer("slow").capacity(2).behavior(SendBehavior.BLOCK).timeout(LONG));
            join(slow, "lobby");
            join(slow, "feed");

            BroadcastResult toFeed = result(hub.broadcastRoom(feed, message(feed, 1), Optional.empty()));
            BroadcastResult toLobby = result(hub.broadcastRoom(LOBBY, message(LOBBY, 2), Optional.empty()));

            assertThat(toFeed).as("feed: DROP, its own").isEqualTo(new BroadcastResult(2, 1, 1, 0, 0, Optional.empty()));
            assertThat(toLobby).as("lobby: the connection's BLOCK, timed out").isEqualTo(new BroadcastResult(2, 1, 0, 0, 1, Optional.empty()));
            assertThat(slow.isOpen()).isTrue();
            assertThat(seq(alice.assertPushed("message"))).isEqualTo(1);
            assertThat(seq(alice.assertPushed("message"))).isEqualTo(2);
            slow.assertPushed("joined");
            slow.assertPushed("joined");
        }

        @Test
        void aRoomWithItsOwnCloseBehaviorClosesAFullMemberWhoseConnectionWouldDrop() {
            RoomName alerts = RoomName.of("alerts");
            start(settings().roomSendBehavior(alerts, SendBehavior.CLOSE).build());
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.DROP));
            join(slow, "alerts"); // its joined reply fills its queue

            BroadcastResult result = result(hub.broadcastRoom(alerts, message(alerts, 1), Optional.empty()));

            assertThat(result).isEqualTo(new BroadcastResult(1, 0, 0, 1, 0, Optional.empty()));
            slow.assertClosed(CloseCode.TRY_AGAIN_LATER);
        }

        @Test
        void slowMemberIsClosedWith1013WhileOthersKeepReceiving() {
            start(settings().build());
            List<RecordingPeer> fast = joinedMembers("alice", "bob");
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.CLOSE));
            join(slow, "lobby");

            BroadcastResult first = result(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()));
            BroadcastResult second = result(hub.broadcastRoom(LOBBY, message(LOBBY, 2), Optional.empty()));

            assertThat(first).isEqualTo(new BroadcastResult(3, 2, 0, 1, 0, Optional.empty()));
            slow.assertClosed(CloseCode.TRY_AGAIN_LATER);
            assertThat(hub.members(LOBBY)).containsExactly(member("alice"), member("bob"));
            assertThat(second).isEqualTo(delivered(2, 2));
            for (RecordingPeer p : fast) {
                assertThat(seq(p.assertPushed("message"))).isEqualTo(1);
                assertThat(seq(p.assertPushed("message"))).isEqualTo(2);
            }
        }

        @Test
        void aPlatformThreadBroadcastingToASmallRoomDeliversItselfAndLeavesABlockedMemberToARunnerInOrder() throws Exception {
            start(settings().build());
            // Joins before open use no lane, so the lane is idle when the test thread broadcasts.
            List<RecordingPeer> fast = List.of(connect("alice"), connect("bob"));
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
            for (RecordingPeer p : List.of(fast.get(0), fast.get(1), slow)) {
                assertThat(hub.tryJoinBeforeOpen(p, "lobby")).isInstanceOf(JoinResult.Joined.class);
            }
            // The slow member's queue is full with its joined reply.
            fast.forEach(p -> p.assertPushed("joined"));
            Thread caller = Thread.currentThread();
            List<Thread> offeredOn = new java.util.concurrent.CopyOnWriteArrayList<>();
            fast.get(0).onTrySend(frame -> offeredOn.add(Thread.currentThread()));

            long t0 = System.nanoTime();
            CompletableFuture<BroadcastResult> first = hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty());
            CompletableFuture<BroadcastResult> second = hub.broadcastRoom(LOBBY, message(LOBBY, 2), Optional.empty());
            long tookNanos = System.nanoTime() - t0;

            assertThat(offeredOn).as("the first broadcast was offered on the broadcasting thread").first().isSameAs(caller);
            assertThat(Duration.ofNanos(tookNanos)).as("neither call waited for the slow member").isLessThan(LONG);
            assertThat(fast.get(0).queued()).as("the first broadcast reached the members with room at once").isGreaterThanOrEqualTo(1);
            assertThat(first).as("the slow member's frame is still waiting, on a runner").isNotDone();
            slow.assertPushed("joined"); // frees its queue: the runner's wait ends
            assertThat(seq(slow.assertPushed("message"))).isEqualTo(1);
            assertThat(seq(slow.assertPushed("message"))).as("the later broadcast did not overtake").isEqualTo(2);
            assertThat(result(first)).isEqualTo(delivered(3, 3));
            assertThat(result(second)).isEqualTo(delivered(3, 3));
            for (RecordingPeer p : fast) {
                assertThat(seq(p.assertPushed("message"))).isEqualTo(1);
                assertThat(seq(p.assertPushed("message"))).isEqualTo(2);
            }
        }

        @Test
        void blockedSlowMemberTimesOutWithoutDelayingTheOthers() {
            start(settings().build());
            List<RecordingPeer> fast = joinedMembers("alice", "bob");
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.BLOCK).timeout(Duration.ofMillis(200)));
            join(slow, "lobby");

            CompletableFuture<BroadcastResult> pending = hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty());
            slow.awaitSendCalls(1);

            // The slow member's wait has just begun: the others already have the frame queued.
            assertThat(fast).allSatisfy(p -> assertThat(p.queued()).isEqualTo(1));
            assertThat(result(pending)).isEqualTo(new BroadcastResult(3, 2, 0, 0, 1, Optional.empty()));
            Frame frame = fast.get(0).nextFrame();
            assertThat(fast.get(1).nextFrame()).isSameAs(frame);
            slow.assertPushed("joined");
            assertThat(slow.isOpen()).isTrue();
        }

        @Test
        void slowMembersOfOneBroadcastShareOneSendTimeoutInsteadOfEachAddingOne() {
            start(settings().sendTimeout(Duration.ofMillis(300)).build());
            List<RecordingPeer> fast = joinedMembers("alice");
            List<RecordingPeer> slow = new java.util.ArrayList<>();
            for (String name : List.of("slow-1", "slow-2", "slow-3")) {
                // Each queue alone would wait 30 s; the broadcast's single deadline must cut that short.
                RecordingPeer p = connect(peer(name).capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
                join(p, "lobby");
                p.fillQueue();
                slow.add(p);
            }

            BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()));

            assertThat(result).isEqualTo(new BroadcastResult(4, 1, 0, 0, 3, Optional.empty()));
            fast.get(0).assertPushed("message");
            slow.forEach(p -> p.assertPushed("joined")); // their queues still hold only the reply
        }

        @Test
        void broadcastAllReachesEachConnectionOnceWhateverItsRooms() {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            RecordingPeer bob = connect("bob");
            RecordingPeer carol = connect("carol");
            RecordingPeer dave = connect("dave"); // in no room
            join(alice, "r1");
            join(alice, "r2");
            join(alice, "r3");
            join(bob, "r2");
            join(carol, "r3");
            alice.takeEvents();
            bob.takeEvents();
            carol.takeEvents();

            BroadcastResult all = result(hub.broadcastAll(Envelope.of("notice", null), Optional.empty()));
            BroadcastResult allButBob = result(hub.broadcastAll(Envelope.of("notice", null), Optional.of(bob.id())));

            assertThat(all).isEqualTo(delivered(4, 4));
            assertThat(allButBob).isEqualTo(delivered(3, 3));
            Frame frame = alice.nextFrame();
            for (RecordingPeer p : List.of(bob, carol, dave)) {
                assertThat(p.nextFrame()).isSameAs(frame);
            }
            for (RecordingPeer p : List.of(alice, carol, dave)) {
                p.assertPushed("notice");
            }
        }

        @Test
        void sendReachesOnlyTheTargetConnection() {
            start(settings().build());
            List<RecordingPeer> members = joinedMembers("alice", "bob");

            BroadcastResult result = hub.send(members.get(1).id(), Envelope.of("direct", null));
            BroadcastResult nobody = hub.send(ConnectionId.of("c-nobody"), Envelope.of("direct", null));

            assertThat(result).isEqualTo(delivered(1, 1));
            assertThat(nobody).isEqualTo(delivered(0, 0));
            members.get(1).assertPushed("direct");
        }

        @Test
        void sendAppliesTheSendBehaviorOfTheTarget() {
            start(settings().build());
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.CLOSE)).fillQueue();

            BroadcastResult result = hub.send(slow.id(), Envelope.of("direct", null));

            assertThat(result).isEqualTo(new BroadcastResult(1, 0, 0, 1, 0, Optional.empty()));
            slow.assertClosed(CloseCode.TRY_AGAIN_LATER);
            assertThat(hub.activeConnectionCount()).isZero();
        }

        @Test
        void fullJobQueueRejectsTheBroadcastWithJobQueueFull() {
            start(settings().workerCount(1).jobQueueSize(1).build());
            RecordingPeer slow = connect(peer("slow").capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
            join(slow, "lobby"); // its queue is full with the joined reply

            CompletableFuture<BroadcastResult> running = hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty());
            slow.awaitSendCalls(1); // the only lane is busy waiting on the slow member
            CompletableFuture<BroadcastResult> waiting = hub.broadcastRoom(LOBBY, message(LOBBY, 2), Optional.empty());
            CompletableFuture<BroadcastResult> rejected = hub.broadcastRoom(LOBBY, message(LOBBY, 3), Optional.empty());

            assertThat(rejected).isCompletedWithValue(BroadcastResult.rejected(Rejection.JOB_QUEUE_FULL));
            assertThat(hub.queuedBroadcastJobs()).isEqualTo(1);
            assertThat(waiting).isNotDone();

            slow.assertPushed("joined"); // space frees: the lane moves on
            assertThat(seq(slow.assertPushed("message"))).isEqualTo(1);
            assertThat(result(running)).isEqualTo(delivered(1, 1));
            assertThat(seq(slow.assertPushed("message"))).isEqualTo(2);
            assertThat(result(waiting)).isEqualTo(delivered(1, 1));
        }
    }

    @Nested
    class Lifecycle {

        @Test
        void broadcastAfterStopIsRejectedAsStoppedAndEnqueuesNothing() {
            start(settings().build());
            List<RecordingPeer> members = new ArrayList<>();
            for (String name : List.of("alice", "bob")) {
                RecordingPeer p = connect(peer(name).drainOnWake()); // sees every frame ever enqueued
                join(p, "lobby");
                p.assertPushed("joined");
                members.add(p);
            }
            hub.stop();

            assertThat(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()))
                    .isCompletedWithValue(BroadcastResult.rejected(Rejection.STOPPED));
            assertThat(hub.broadcastAll(message(LOBBY, 2), Optional.empty()))
                    .isCompletedWithValue(BroadcastResult.rejected(Rejection.STOPPED));
            assertThat(hub.send(members.getFirst().id(), message(LOBBY, 3)))
                    .isEqualTo(BroadcastResult.rejected(Rejection.STOPPED));
            assertThat(hub.queuedBroadcastJobs()).isZero();
            for (RecordingPeer p : members) {
                p.assertClosed(CloseCode.GOING_AWAY);
                assertThat(p.receivedEvents()).extracting(Envelope::type).containsExactly("joined");
            }
        }

        @Test
        void broadcastRacingWithStopNeverDeliversABroadcastThatReportedStopped() throws Exception {
            for (int iteration = 0; iteration < 40; iteration++) {
                start(settings().jobQueueSize(1024).build()); // room for every broadcast: any rejection is the stop's
                List<RecordingPeer> members = new ArrayList<>();
                for (String name : List.of("alice", "bob", "carol")) {
                    // a writer that keeps up, so every frame that is enqueued is also seen
                    RecordingPeer p = connect(peer(name).capacity(1000).drainOnWake());
                    checked.remove(p);
                    join(p, "lobby");
                    members.add(p);
                }
                int count = 150;
                Map<Integer, CompletableFuture<BroadcastResult>> bySeq = new ConcurrentHashMap<>();
                CountDownLatch underway = new CountDownLatch(2);
                List<Thread> broadcasters = new ArrayList<>();
                for (int b = 0; b < 2; b++) {
                    int offset = b * count;
                    broadcasters.add(start("broadcaster-" + b, () -> {
                        for (int i = 0; i < count; i++) {
                            bySeq.put(offset + i, hub.broadcastRoom(LOBBY, message(LOBBY, offset + i), Optional.empty()));
                            if (i == 10) {
                                underway.countDown();
                            }
                        }
                    }));
                }
                assertThat(underway.await(5, TimeUnit.SECONDS)).isTrue();

                hub.stop();
                for (Thread t : broadcasters) {
                    t.join(RecordingPeer.WAIT.toMillis());
                }

                Set<Integer> reportedStopped = new HashSet<>();
                for (Map.Entry<Integer, CompletableFuture<BroadcastResult>> e : bySeq.entrySet()) {
                    BroadcastResult r = result(e.getValue()); // every broadcast completes; none is left hanging
                    if (r.rejected().isPresent()) {
                        assertThat(r).as("iteration %d, broadcast %d", iteration, e.getKey())
                                .isEqualTo(BroadcastResult.rejected(Rejection.STOPPED));
                        reportedStopped.add(e.getKey());
                    }
                }
                for (RecordingPeer p : members) {
                    List<Integer> seen = p.receivedEvents().stream()
                            .filter(e -> e.type().equals("message")).map(HubTest::seq).toList();
                    assertThat(seen).as("iteration %d: messages %s received", iteration, p)
                            .noneMatch(reportedStopped::contains);
                }
            }
        }

        @Test
        void stopIsIdempotentAndPromptWhileBlockSendsAreWaiting() throws Exception {
            start(settings().build());
            List<RecordingPeer> slow = new ArrayList<>();
            for (String name : List.of("s1", "s2", "s3")) {
                RecordingPeer p = connect(peer(name).capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
                join(p, "lobby"); // full with its joined reply
                slow.add(p);
            }
            RecordingPeer direct = connect(peer("direct").capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG)).fillQueue();
            CompletableFuture<BroadcastResult> broadcast = hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty());
            CompletableFuture<BroadcastResult> send = new CompletableFuture<>();
            start("direct-sender", () -> send.complete(hub.send(direct.id(), message(LOBBY, 2))));
            await().atMost(RecordingPeer.WAIT).until(() -> slow.stream().mapToInt(RecordingPeer::sendCalls).sum() == 1);
            direct.awaitSendCalls(1);

            long started = System.nanoTime();
            hub.stop();
            hub.stop();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            // four waiters of 30 s each; stop ends them at once
            assertThat(took).isLessThan(Duration.ofSeconds(10));
            BroadcastResult fanOut = result(broadcast);
            assertThat(fanOut.attempted()).isEqualTo(3);
            assertThat(fanOut.enqueued()).isZero();
            assertThat(fanOut.timedOut() + fanOut.closed()).isEqualTo(3);
            assertThat(result(send)).isEqualTo(new BroadcastResult(1, 0, 0, 1, 0, Optional.empty()));
            for (RecordingPeer p : slow) {
                p.assertClosed(CloseCode.GOING_AWAY);
            }
            direct.assertClosed(CloseCode.GOING_AWAY);
            assertThat(hub.isRunning()).isFalse();
            assertThat(hub.activeConnectionCount()).isZero();
        }

        @Test
        void shutdownNotifiesEveryMemberClosesItAfterDrainAndForcesStragglersAtTheDeadline() {
            start(settings().build());
            RecordingPeer alice = connect(peer("alice").drainOnWake());
            RecordingPeer bob = connect(peer("bob").drainOnWake());
            RecordingPeer stuck = connect(peer("stuck").capacity(1));
            for (RecordingPeer p : List.of(alice, bob, stuck)) {
                join(p, "lobby");
            }
            alice.assertPushed("joined");
            bob.assertPushed("joined");

            Hub.ShutdownResult result = hub.shutdown(Duration.ofMillis(300));

            assertThat(result).isEqualTo(new Hub.ShutdownResult(3, 1));
            for (RecordingPeer p : List.of(alice, bob)) {
                var notice = p.assertPushed("shutdown").payload();
                assertThat(notice.get("reason").asText()).isEqualTo("server shutting down");
                // Batches start within the first half of the 300 ms; hints add up to the 10 s window.
                assertThat(notice.get("reconnectAfterMs").asLong()).isBetween(0L, 150L + 10_000L);
                p.assertClosed(CloseCode.GOING_AWAY);
                assertThat(p.wasClosedWithoutDrain()).as("%s drained before closing", p).isFalse();
            }
            stuck.assertClosed(CloseCode.GOING_AWAY);
            assertThat(stuck.wasClosedWithoutDrain()).as("the straggler is forced").isTrue();
            assertThat(hub.isRunning()).isFalse();
            assertThat(hub.activeConnectionCount()).isZero();
            assertThat(hub.registrationCount()).isZero();
            assertThat(hub.rooms()).isEmpty();
            assertThat(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()))
                    .isCompletedWithValue(BroadcastResult.rejected(Rejection.STOPPED));
        }

        @Test
        void shutdownReturnsAsSoonAsEveryMemberHasGoneAndRefusesNewcomersMeanwhile() throws Exception {
            start(settings().build());
            RecordingPeer alice = connect("alice");
            join(alice, "lobby");
            alice.assertPushed("joined");

            CompletableFuture<Hub.ShutdownResult> shutdown = CompletableFuture.supplyAsync(() -> hub.shutdown(LONG));
            await().atMost(RecordingPeer.WAIT).until(() -> !hub.isRunning());

            assertThat(hub.tryConnect(peer("late").build())).isEqualTo(new Admission.Refused(ErrorCode.SHUTTING_DOWN));
            assertRefused(hub.tryJoin(alice, "other", Optional.empty()), JoinResult.Reason.STOPPED, ErrorCode.SHUTTING_DOWN);
            assertThat(hub.broadcastRoom(LOBBY, message(LOBBY, 1), Optional.empty()))
                    .isCompletedWithValue(BroadcastResult.rejected(Rejection.STOPPED));
            alice.assertPushed("shutdown"); // the client reads its queue to the end, then the close completes
            alice.assertClosed(CloseCode.GOING_AWAY);

            // long before the 30 s deadline
            assertThat(shutdown.get(5, TimeUnit.SECONDS)).isEqualTo(new Hub.ShutdownResult(1, 0));
            assertThat(alice.wasClosedWithoutDrain()).isFalse();
        }

        @Test
        void secondShutdownWaitsForTheFirstToFinish() throws Exception {
            start(settings().build());
            RecordingPeer stuck = connect(peer("stuck").capacity(1)).fillQueue();
            checked.remove(stuck);

            CompletableFuture<Hub.ShutdownResult> first = CompletableFuture.supplyAsync(() -> hub.shutdown(Duration.ofMillis(500)));
            await().atMost(RecordingPeer.WAIT).until(() -> !hub.isRunning());
            Hub.ShutdownResult second = hub.shutdown(Duration.ofSeconds(5));

            assertThat(stuck.isClosed()).as("the first call has forced the straggler").isTrue();
            assertThat(second).isEqualTo(new Hub.ShutdownResult(0, 0));
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(new Hub.ShutdownResult(1, 1));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The two ways into a room, for tests that must hold on both. */
    enum JoinPath {
        /** {@link Hub#tryJoin}: the join completes on the room's lane. */
        LANE {
            @Override
            JoinResult join(Hub hub, RecordingPeer peer, String room) {
                return hub.tryJoin(peer, room, Optional.empty());
            }
        },
        /** {@link Hub#tryJoinBeforeOpen}: the join completes on the caller's thread. */
        BEFORE_OPEN {
            @Override
            JoinResult join(Hub hub, RecordingPeer peer, String room) {
                return hub.tryJoinBeforeOpen(peer, room);
            }
        };

        abstract JoinResult join(Hub hub, RecordingPeer peer, String room);
    }


    private Hub start(RoomcastConfig config) {
        return start(config, PresencePolicy.always(config.presenceEnabled()));
    }

    private Hub start(RoomcastConfig config, PresencePolicy presence) {
        if (hub != null) {
            hub.stop();
        }
        hub = new Hub(config, codec, clock, List.of(listener), new InProcessClusterBus(), presence);
        return hub;
    }

    /** A peer named after its subject ({@code c-<subject>}) that disconnects from the hub when it closes, as the transport does. */
    private PeerSpec peer(String subject) {
        return new PeerSpec(subject);
    }

    private RecordingPeer connect(String subject) {
        return connect(peer(subject));
    }

    private RecordingPeer connect(PeerSpec spec) {
        RecordingPeer p = spec.build();
        assertThat(hub.tryConnect(p)).isEqualTo(new Admission.Admitted());
        checked.add(p);
        return p;
    }

    /** Connected peers, all in the lobby, their joined replies read. */
    private List<RecordingPeer> joinedMembers(String... subjects) {
        List<RecordingPeer> list = new ArrayList<>();
        for (String s : subjects) {
            RecordingPeer p = connect(s);
            join(p, "lobby");
            p.assertPushed("joined");
            list.add(p);
        }
        return list;
    }

    private JoinResult.Joined join(RecordingPeer peer, String room) {
        JoinResult result = hub.tryJoin(peer, room, Optional.empty());
        assertThat(result).as("join of %s to %s", peer, room).isInstanceOf(JoinResult.Joined.class);
        return (JoinResult.Joined) result;
    }

    private static void assertRefused(JoinResult result, JoinResult.Reason reason, ErrorCode code) {
        assertThat(result).isEqualTo(new JoinResult.Refused(reason));
        assertThat(((JoinResult.Refused) result).code()).isEqualTo(code);
    }

    /**
     * Waits until every broadcast of {@code room} queued so far (presence included) has been delivered,
     * and takes the barrier from {@code member}. A presence announcement still queued when someone
     * joins reaches the newcomer too (even if its joined list already reflects it), so tests settle
     * the room before the next join when they check a newcomer's events exactly.
     */
    private void settle(RoomName room, RecordingPeer member) {
        barrier(room);
        member.assertPushed("barrier");
    }

    /** Returns once every broadcast of {@code room} submitted before it has been delivered (one room runs in order). */
    private void barrier(RoomName room) {
        result(hub.broadcastRoom(room, Envelope.toRoom("barrier", room, null), Optional.empty()));
    }

    private Envelope message(RoomName room, int seq) {
        return Envelope.toRoom("message", room, codec.mapper().createObjectNode().put("seq", seq));
    }

    private static int seq(Envelope e) {
        return e.payload().get("seq").asInt();
    }

    private static List<Integer> range(int fromInclusive, int toExclusive) {
        return IntStream.range(fromInclusive, toExclusive).boxed().toList();
    }

    private static RoomMember member(String subject) {
        return new RoomMember(subject, ConnectionId.of("c-" + subject));
    }

    private static List<RoomMember> members(Envelope joined) {
        List<RoomMember> list = new ArrayList<>();
        for (JsonNode m : joined.payload().get("members")) {
            list.add(new RoomMember(m.get("subject").asText(), ConnectionId.of(m.get("connectionId").asText())));
        }
        return list;
    }

    private static void assertPresence(Envelope e, String event, String subject) {
        assertThat(e.type()).as("type of %s", e).isEqualTo("presence");
        assertThat(e.payload().get("event").asText()).isEqualTo(event);
        assertThat(e.payload().get("member").get("subject").asText()).isEqualTo(subject);
        assertThat(e.payload().get("member").get("connectionId").asText()).isEqualTo("c-" + subject);
    }

    private static BroadcastResult delivered(int attempted, int enqueued) {
        return new BroadcastResult(attempted, enqueued, 0, 0, 0, Optional.empty());
    }

    private static BroadcastResult result(CompletableFuture<BroadcastResult> pending) {
        return BroadcastResults.result(pending);
    }

    private Thread start(String name, Runnable body) {
        Thread t = Thread.ofPlatform().name(name).daemon(true).start(body);
        threads.add(t);
        return t;
    }

    /** A {@link RecordingPeer.Builder} preset for this test's hub. */
    private final class PeerSpec {
        private final String subject;
        private String id;
        private int capacity = 64;
        private SendBehavior behavior = SendBehavior.DROP;
        private Duration timeout = Duration.ofMillis(200);
        private boolean drainOnWake;

        PeerSpec(String subject) {
            this.subject = subject;
            this.id = "c-" + subject;
        }

        PeerSpec id(String value) {
            this.id = value;
            return this;
        }

        PeerSpec capacity(int value) {
            this.capacity = value;
            return this;
        }

        PeerSpec behavior(SendBehavior value) {
            this.behavior = value;
            return this;
        }

        PeerSpec timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        PeerSpec drainOnWake() {
            this.drainOnWake = true;
            return this;
        }

        RecordingPeer build() {
            RecordingPeer.Builder b = RecordingPeer.builder(id, codec).subject(subject).capacity(capacity)
                    .behavior(behavior).timeout(timeout).onClosed(p -> hub.disconnect(p));
            if (drainOnWake) {
                b.drainOnWake();
            }
            return b.build();
        }
    }
}
