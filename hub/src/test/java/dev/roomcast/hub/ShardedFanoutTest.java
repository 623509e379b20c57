package dev.roomcast.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Rejection;
import dev.roomcast.core.Clock;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A large room's broadcast handed to its members' writer threads ({@link ShardedFanout}): every
 * member still gets every frame once and in order, the full-queue behaviours keep their meaning,
 * joins keep their place in the room's order, and the result completes on the lane.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShardedFanoutTest {
    private static final RoomName LOBBY = RoomName.of("lobby");
    private static final int MEMBERS = Hub.SHARDED_FANOUT_MIN_MEMBERS + 8;
    private static final Duration LONG = Duration.ofSeconds(30);

    private final EnvelopeCodec codec = new EnvelopeCodec(1 << 20);
    private final TestWriterThread first = new TestWriterThread("writer-1");
    private final TestWriterThread second = new TestWriterThread("writer-2");
    private Hub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.stop();
        }
        first.close();
        second.close();
    }

    private static RoomcastConfig.Builder settings() {
        return RoomcastConfig.builder().workerCount(2).jobQueueSize(256)
                .joinRatePerSecond(10_000).joinBurst(10_000).presenceEnabled(false);
    }

    @Test
    void everyMemberOfALargeRoomGetsTheSharedFrameFromItsOwnWriterThread() {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);
        Map<RecordingPeer, String> offeredOn = new ConcurrentHashMap<>();
        members.forEach(p -> p.onTrySend(f -> offeredOn.put(p, Thread.currentThread().getName())));

        BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));

        assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS, 0, 0, 0, Optional.empty()));
        Frame frame = members.get(0).nextFrame();
        for (int i = 0; i < MEMBERS; i++) {
            RecordingPeer p = members.get(i);
            if (i > 0) {
                assertThat(p.nextFrame()).as("frame of %s", p).isSameAs(frame);
            }
            assertThat(offeredOn.get(p)).as("thread that offered to %s", p).isEqualTo(writerOf(i).name());
            p.assertNoMoreEvents();
        }
    }

    @Test
    void aThreadThatMustNotWaitHandsALargeRoomsBroadcastToTheWriterThreadsItselfWhenASlotIsFree() {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);

        // The test thread is a platform thread, as a transport's I/O thread is: it may not wait, so
        // the hub takes part without waiting, and with the lane idle and a slot free no runner is
        // needed to dispatch. The lane may still be finishing an earlier job (the last join, or the
        // previous broadcast's completion), and then a runner dispatches, rightly: so this tries a
        // bounded number of broadcasts and requires that one of them was dispatched right here.
        int sent = 0;
        boolean dispatchedHere = false;
        while (!dispatchedHere && sent < 50) {
            sent++;
            BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(sent), Optional.empty()));
            assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS, 0, 0, 0, Optional.empty()));
            dispatchedHere = first.lastSubmitter() == Thread.currentThread()
                    && second.lastSubmitter() == Thread.currentThread();
            if (!dispatchedHere) {
                await().pollDelay(Duration.ofMillis(20)).atMost(RecordingPeer.WAIT).until(() -> true);
            }
        }

        assertThat(dispatchedHere).as("a broadcast from a thread that must not wait, dispatched by it").isTrue();
        for (RecordingPeer p : members) {
            for (int seq = 1; seq <= sent; seq++) {
                assertThat(seq(p.assertPushed("message"))).isEqualTo(seq);
            }
        }
    }

    @Test
    void withNoSlotFreeALargeRoomsBroadcastIsDispatchedByARunnerNotTheThreadThatMustNotWait() throws Exception {
        start(settings().jobQueueSize(2).build()); // two broadcasts may be out with the writer threads
        room(MEMBERS, b -> b.capacity(16));
        CountDownLatch resumeFirst = first.pause();
        CountDownLatch resumeSecond = second.pause();
        List<CompletableFuture<BroadcastResult>> pending = new ArrayList<>();
        pending.add(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));
        pending.add(hub.broadcastRoom(LOBBY, message(2), Optional.empty()));

        pending.add(hub.broadcastRoom(LOBBY, message(3), Optional.empty())); // no slot: a runner waits for one
        resumeFirst.countDown();
        resumeSecond.countDown();

        pending.forEach(f -> assertThat(result(f).enqueued()).isEqualTo(MEMBERS));
        assertThat(first.lastSubmitter().getName()).startsWith("roomcast-broadcast-");
    }

    @Test
    void theExcludedMemberGetsNothingAndIsNotCounted() {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);

        BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(1), Optional.of(members.get(3).id())));

        assertThat(result).isEqualTo(new BroadcastResult(MEMBERS - 1, MEMBERS - 1, 0, 0, 0, Optional.empty()));
        members.get(3).assertNoMoreEvents();
        assertThat(seq(members.get(4).assertPushed("message"))).isEqualTo(1);
    }

    @Test
    void aFullBlockMemberGetsEveryBroadcastInOrderAndDoesNotHoldUpTheOneThatFoundItFull() {
        start(settings().sendTimeout(LONG).build());
        // Room for the five messages in every queue but the slow member's, which is full.
        List<RecordingPeer> members = room(MEMBERS, b -> b.capacity(8).behavior(SendBehavior.BLOCK).timeout(LONG));
        RecordingPeer slow = members.get(5).fillQueue();

        List<CompletableFuture<BroadcastResult>> pending = new ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            pending.add(hub.broadcastRoom(LOBBY, message(seq), Optional.empty()));
        }

        // The first broadcast reaches everyone else while the slow member has read nothing.
        for (RecordingPeer p : members) {
            if (p != slow) {
                assertThat(seq(p.assertPushed("message"))).as("first message for %s", p).isEqualTo(1);
            }
        }
        assertThat(pending.get(0)).as("first broadcast, its slow member still waited for").isNotDone();
        // Reading makes room; the lane hands the slow member its frames, in order, then moves on.
        for (int i = 0; i < 8; i++) {
            slow.assertPushed("filler");
        }
        for (int seq = 1; seq <= 5; seq++) {
            assertThat(seq(slow.assertPushed("message"))).isEqualTo(seq);
        }
        for (RecordingPeer p : members) {
            if (p != slow) {
                for (int seq = 2; seq <= 5; seq++) {
                    assertThat(seq(p.assertPushed("message"))).as("message for %s", p).isEqualTo(seq);
                }
            }
        }
        for (CompletableFuture<BroadcastResult> f : pending) {
            assertThat(result(f)).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS, 0, 0, 0, Optional.empty()));
        }
        members.forEach(RecordingPeer::assertNoMoreEvents);
    }

    @Test
    void aBlockMemberThatNeverReadsTimesOutOnceAndTheRestOfTheRoomIsServed() {
        start(settings().sendTimeout(Duration.ofMillis(300)).build());
        List<RecordingPeer> members = room(MEMBERS, b -> b.capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
        RecordingPeer slow = members.get(2).fillQueue();

        BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));

        assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS - 1, 0, 0, 1, Optional.empty()));
        assertThat(slow.isOpen()).isTrue();
        slow.assertPushed("filler");
        slow.assertNoMoreEvents();
        assertThat(seq(members.get(3).assertPushed("message"))).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = SendBehavior.class, names = {"DROP", "CLOSE"})
    void dropAndCloseAreAppliedOnTheWriterThreadWithoutWaiting(SendBehavior behavior) {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b.capacity(1).behavior(behavior).timeout(LONG));
        RecordingPeer slow = members.get(7).fillQueue();

        BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));

        if (behavior == SendBehavior.DROP) {
            assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS - 1, 1, 0, 0, Optional.empty()));
            assertThat(slow.isOpen()).isTrue();
        } else {
            assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS - 1, 0, 1, 0, Optional.empty()));
            slow.assertClosed(CloseCode.TRY_AGAIN_LATER);
            await().atMost(RecordingPeer.WAIT).until(() -> hub.roomCount(LOBBY) == MEMBERS - 1);
        }
        assertThat(seq(members.get(8).assertPushed("message"))).isEqualTo(1);
    }

    @Test
    void aLargeRoomWithItsOwnDropBehaviorDropsForAFullBlockMemberOnTheWriterThreadWithoutWaiting() {
        // Connections BLOCK for 30 s; the room's own DROP must win, or the broadcast would wait that long.
        start(settings().sendTimeout(LONG).roomSendBehavior(LOBBY, SendBehavior.DROP).build());
        List<RecordingPeer> members = room(MEMBERS, b -> b.capacity(1).behavior(SendBehavior.BLOCK).timeout(LONG));
        RecordingPeer slow = members.get(7).fillQueue();

        BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));

        assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS - 1, 1, 0, 0, Optional.empty()));
        assertThat(slow.isOpen()).isTrue();
        slow.assertPushed("filler");
        slow.assertNoMoreEvents();
        assertThat(seq(members.get(8).assertPushed("message"))).isEqualTo(1);
    }

    @Test
    void aMemberWhoJoinsBetweenTwoBroadcastsGetsItsReplyThenOnlyTheSecond() throws Exception {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);
        HeldBroadcast held = broadcastHeldByWriterThreads(1);
        CompletableFuture<BroadcastResult> before = held.result();
        // The first broadcast is handed out but not delivered when the newcomer joins.
        RecordingPeer newcomer = connect("newcomer", MEMBERS, b -> b);
        assertThat(hub.tryJoin(newcomer, "lobby", Optional.empty())).isInstanceOf(JoinResult.Joined.class);
        CompletableFuture<BroadcastResult> after = hub.broadcastRoom(LOBBY, message(2), Optional.empty());
        held.release().run();

        assertThat(result(before).attempted()).isEqualTo(MEMBERS);
        assertThat(result(after).attempted()).isEqualTo(MEMBERS + 1);
        newcomer.assertPushed("joined");
        assertThat(seq(newcomer.assertPushed("message"))).isEqualTo(2);
        newcomer.assertNoMoreEvents();
        for (RecordingPeer p : members) {
            assertThat(seq(p.assertPushed("message"))).isEqualTo(1);
            assertThat(seq(p.assertPushed("message"))).isEqualTo(2);
        }
    }

    @Test
    void aRoomThatShrinksBelowTheThresholdWhileABroadcastIsWithTheWriterThreadsKeepsItsOrder() throws Exception {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);
        HeldBroadcast held = broadcastHeldByWriterThreads(1);
        CompletableFuture<BroadcastResult> before = held.result();
        // The room drops below the large-room size while its first broadcast waits on the writer threads.
        List<RecordingPeer> leaving = members.subList(4, MEMBERS);
        for (RecordingPeer p : List.copyOf(leaving)) {
            assertThat(hub.leave(p, LOBBY)).isTrue();
        }
        List<RecordingPeer> staying = List.copyOf(members.subList(0, 4));
        CompletableFuture<BroadcastResult> after = hub.broadcastRoom(LOBBY, message(2), Optional.empty());
        // Offered directly, the second would already be in the stayers' queues, ahead of the first.
        assertThat(staying).allSatisfy(p -> assertThat(p.queued()).isZero());
        held.release().run();

        assertThat(result(after).attempted()).isEqualTo(4);
        for (RecordingPeer p : staying) {
            assertThat(seq(p.assertPushed("message"))).as("first for %s", p).isEqualTo(1);
            assertThat(seq(p.assertPushed("message"))).as("second for %s", p).isEqualTo(2);
        }
        assertThat(result(before).attempted()).isEqualTo(MEMBERS);
    }

    @Test
    void theResultCompletesOnTheRoomsLaneNeverOnAWriterThread() throws Exception {
        start(settings().build());
        room(MEMBERS, b -> b);
        CountDownLatch resumeFirst = first.pause();
        CountDownLatch resumeSecond = second.pause();

        // Chained while the writer threads are held, so it runs where the result completes.
        CompletableFuture<String> completion = hub.broadcastRoom(LOBBY, message(1), Optional.empty())
                .thenApply(r -> Thread.currentThread().getName());
        resumeFirst.countDown();
        resumeSecond.countDown();
        String completedOn = completion.get(RecordingPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(completedOn).startsWith("roomcast-broadcast-");
    }

    @Test
    void aWriterThreadThatRefusesTheBroadcastCountsItsMembersAsClosed() {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);
        second.refuse(); // its server is stopping

        BroadcastResult result = result(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));

        int refused = MEMBERS / 2; // the odd indexes
        assertThat(result).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS - refused, 0, refused, 0, Optional.empty()));
        assertThat(seq(members.get(0).assertPushed("message"))).isEqualTo(1);
        members.get(1).assertNoMoreEvents();
    }

    @Test
    void aPeerThatThrowsOnTheWriterThreadStillLetsTheBroadcastComplete() {
        start(settings().build());
        List<RecordingPeer> members = room(MEMBERS, b -> b);
        members.get(3).onTrySend(f -> {
            throw new IllegalStateException("a broken peer");
        });

        BroadcastResult broken = result(hub.broadcastRoom(LOBBY, message(1), Optional.empty()));

        assertThat(broken.closed()).as("the peer that threw").isEqualTo(1);
        assertThat(broken.enqueued()).isEqualTo(broken.attempted() - 1);
        assertThat(seq(members.get(1).assertPushed("message"))).isEqualTo(1); // before it on the same thread
        // The writer threads are still serving: the next broadcast reaches everyone else.
        members.get(3).onTrySend(f -> { });
        BroadcastResult next = result(hub.broadcastRoom(LOBBY, message(2), Optional.empty()));
        assertThat(next).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS, 0, 0, 0, Optional.empty()));
    }

    @Test
    void writerThreadsThatFallBehindHoldTheLaneOnceJobQueueSizeBroadcastsAreOutstanding() throws Exception {
        // jobQueueSize 4 over 2 lanes: 4 broadcasts may be out with the writer threads, 2 may queue per lane.
        start(settings().jobQueueSize(4).build());
        List<RecordingPeer> members = room(MEMBERS, b -> b.capacity(16));
        CountDownLatch resumeFirst = first.pause();
        CountDownLatch resumeSecond = second.pause();

        List<CompletableFuture<BroadcastResult>> pending = new ArrayList<>();
        for (int seq = 1; seq <= 5; seq++) {
            pending.add(hub.broadcastRoom(LOBBY, message(seq), Optional.empty()));
            await().atMost(RecordingPeer.WAIT).until(() -> hub.queuedBroadcastJobs() == 0); // the lane took it
        }
        // The fifth waits on the lane for a slot: its frame has not gone to the writer threads.
        await().during(Duration.ofMillis(200)).atMost(RecordingPeer.WAIT).until(() -> first.accepted() == 4);
        pending.add(hub.broadcastRoom(LOBBY, message(6), Optional.empty()));
        pending.add(hub.broadcastRoom(LOBBY, message(7), Optional.empty()));
        CompletableFuture<BroadcastResult> refused = hub.broadcastRoom(LOBBY, message(8), Optional.empty());
        assertThat(result(refused)).isEqualTo(BroadcastResult.rejected(Rejection.JOB_QUEUE_FULL));
        assertThat(pending).noneMatch(CompletableFuture::isDone);

        resumeFirst.countDown();
        resumeSecond.countDown();

        for (CompletableFuture<BroadcastResult> f : pending) {
            assertThat(result(f)).isEqualTo(new BroadcastResult(MEMBERS, MEMBERS, 0, 0, 0, Optional.empty()));
        }
        for (RecordingPeer p : members) {
            for (int seq = 1; seq <= 7; seq++) {
                assertThat(seq(p.assertPushed("message"))).isEqualTo(seq);
            }
            p.assertNoMoreEvents();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A broadcast handed to both writer threads, which hold it until {@code release} runs. */
    private record HeldBroadcast(CompletableFuture<BroadcastResult> result, Runnable release) {
    }

    /** Pauses both writer threads, then broadcasts {@code seq}: it is handed out but not delivered. */
    private HeldBroadcast broadcastHeldByWriterThreads(int seq) {
        CountDownLatch resumeFirst = first.pause();
        CountDownLatch resumeSecond = second.pause();
        CompletableFuture<BroadcastResult> result = hub.broadcastRoom(LOBBY, message(seq), Optional.empty());
        await().atMost(RecordingPeer.WAIT).until(() -> first.accepted() > 0 && second.accepted() > 0);
        return new HeldBroadcast(result, () -> {
            resumeFirst.countDown();
            resumeSecond.countDown();
        });
    }

    private void start(RoomcastConfig config) {
        hub = new Hub(config, codec, Clock.system(), List.of(), new InProcessClusterBus(), PresencePolicy.always(false));
    }

    /** {@code n} members of the lobby, alternating between the two writer threads, their replies read. */
    private List<RecordingPeer> room(int n, UnaryOperator<RecordingPeer.Builder> spec) {
        List<RecordingPeer> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RecordingPeer p = connect("m" + i, i, spec);
            assertThat(hub.tryJoin(p, "lobby", Optional.empty())).isInstanceOf(JoinResult.Joined.class);
            p.assertPushed("joined");
            list.add(p);
        }
        return list;
    }

    private RecordingPeer connect(String name, int index, UnaryOperator<RecordingPeer.Builder> spec) {
        RecordingPeer p = spec.apply(RecordingPeer.builder(name, codec).writerThread(writerOf(index))
                .onClosed(hub::disconnect)).build();
        assertThat(hub.tryConnect(p)).isEqualTo(new Admission.Admitted());
        return p;
    }

    private TestWriterThread writerOf(int index) {
        return index % 2 == 0 ? first : second;
    }

    private Envelope message(int seq) {
        return Envelope.toRoom("message", LOBBY, codec.mapper().createObjectNode().put("seq", seq));
    }

    private static int seq(Envelope e) {
        return e.payload().get("seq").asInt();
    }

    private static BroadcastResult result(CompletableFuture<BroadcastResult> pending) {
        return BroadcastResults.result(pending);
    }
}
