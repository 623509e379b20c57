package dev.roomcast.hub;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Peer;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.internal.BroadcastLanes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One large room's broadcast, fanned out per writer thread. The room's lane hands the shared frame
 * to each writer thread once ({@link #dispatch}); there the frame is offered to that thread's own
 * members' queues, so the queues are filled and drained on one core and the writes of broadcasts
 * that arrive together still coalesce. The lane does not wait: it moves on to the room's next
 * broadcast, and the result completes when every part has reported.
 *
 * <p><b>Full queues.</b> A writer thread never waits. {@code DROP} and {@code CLOSE} are applied
 * there. Under {@code BLOCK}, a member whose queue is full is handed back to the room's lane, which
 * may wait for it (all such members of one writer thread sharing one {@code sendTimeout}); from then
 * until those frames are offered, the member's later broadcasts take the same path behind them
 * ({@link Member#hasDeferred}), so every member still receives the room's broadcasts in order.
 *
 * <p><b>Completion.</b> The result is completed on the room's lane (a writer thread hands the last
 * step there), because completing it runs the hub's listeners and whatever the caller chained to
 * the returned future, and writer threads run no such code.
 */
final class ShardedFanout {
    private final Frame frame;
    private final ConnectionId skip;
    /** What a full queue gets: the room's own behaviour, else the configured one (decides whether members are deferred). */
    private final SendBehavior behavior;
    /** The room's own behaviour, when it has one; empty: each connection applies its own. */
    private final Optional<SendBehavior> roomBehavior;
    private final long sendTimeoutNanos;
    private final BroadcastLanes lanes;
    private final Object laneKey;
    /** Run once every writer thread has taken its part (even if some members were deferred). */
    private final Runnable onShardsDone;
    private final CompletableFuture<BroadcastResult> result = new CompletableFuture<>();

    /** Parts not yet reported: one per writer thread, one per deferred batch, one for the dispatching lane. */
    private final AtomicInteger partsLeft;
    /** Writer-thread parts not yet run. */
    private final AtomicInteger shardsLeft;

    /** Guarded by this: the parts' tallies, summed as they report from their threads. */
    private final DeliveryTally total = new DeliveryTally();

    private ShardedFanout(Frame frame, ConnectionId skip, Optional<SendBehavior> roomBehavior, SendBehavior behavior,
                          Duration sendTimeout, BroadcastLanes lanes, Object laneKey, int shards, Runnable onShardsDone) {
        this.frame = frame;
        this.skip = skip;
        this.roomBehavior = roomBehavior;
        this.behavior = behavior;
        this.sendTimeoutNanos = sendTimeout.toNanos();
        this.lanes = lanes;
        this.laneKey = laneKey;
        this.onShardsDone = onShardsDone;
        this.partsLeft = new AtomicInteger(shards + 1);
        this.shardsLeft = new AtomicInteger(shards);
    }

    /**
     * Hands {@code frame} to each writer thread of {@code plan}; runs on the room's lane. The lane
     * then delivers to the plan's members without a writer thread itself and reports that with
     * {@link #finishDispatch}, which returns the future of the whole broadcast.
     *
     * @param roomBehavior the room's own behaviour at a full queue, if it has one
     * @param behavior     the behaviour that applies at a full queue: {@code roomBehavior}, else the configured one
     * @param onShardsDone run (on some writer thread, or here) once every writer thread took its part
     */
    static ShardedFanout dispatch(FanoutPlan plan, Frame frame, Optional<ConnectionId> excluded,
                                  Optional<SendBehavior> roomBehavior, SendBehavior behavior, Duration sendTimeout,
                                  BroadcastLanes lanes, Object laneKey, Runnable onShardsDone) {
        ShardedFanout fanout = new ShardedFanout(frame, excluded.orElse(null), roomBehavior, behavior, sendTimeout, lanes,
                laneKey, plan.threads().length, onShardsDone);
        for (int i = 0; i < plan.threads().length; i++) {
            Member[] group = plan.groups()[i];
            if (!plan.threads()[i].execute(() -> fanout.deliverOnWriterThread(group))) {
                fanout.refuse(group); // the thread is stopping with its server: its peers are closing
            }
        }
        return fanout;
    }

    /** The dispatching lane's own part: counts what it delivered itself, and returns the future of the whole broadcast. */
    CompletableFuture<BroadcastResult> finishDispatch(BroadcastResult direct) {
        synchronized (this) {
            total.add(direct);
        }
        partDone();
        return result;
    }

    /** One writer thread's part: offer the frame to each of its members without waiting. */
    private void deliverOnWriterThread(Member[] group) {
        DeliveryTally part = new DeliveryTally();
        List<Member> deferred = null;
        try {
            for (Member m : group) {
                Peer peer = m.peer();
                if (skip != null && skip.equals(peer.id())) {
                    continue;
                }
                part.attempt();
                // A member with deferred frames must get this one after them, so it joins them.
                if (!m.hasDeferred() && peer.trySend(frame)) {
                    part.enqueued();
                    continue;
                }
                if (behavior == SendBehavior.BLOCK || m.hasDeferred()) {
                    if (deferred == null) {
                        deferred = new ArrayList<>();
                    }
                    m.deferOne();
                    deferred.add(m);
                    continue;
                }
                part.count(Hub.send(peer, frame, Duration.ZERO, roomBehavior)); // DROP or CLOSE, applied here: neither waits
            }
        } finally {
            // Even if a peer threw, this part reports, or the broadcast would never complete and its
            // in-flight slot never return: the member whose send threw counts as closed, the members
            // after it as not attempted.
            part.closed(part.unanswered() - (deferred == null ? 0 : deferred.size()));
            if (deferred != null) {
                partsLeft.incrementAndGet();
                List<Member> waiting = deferred;
                lanes.submitContinuation(laneKey, () -> deliverDeferred(waiting));
            }
            report(part);
            shardDone();
        }
    }

    /** A writer thread that refused the part: its members are counted as closed. */
    private void refuse(Member[] group) {
        DeliveryTally part = new DeliveryTally();
        for (Member m : group) {
            if (skip == null || !skip.equals(m.peer().id())) {
                part.attempt();
            }
        }
        part.closed(part.unanswered());
        report(part);
        shardDone();
    }

    /** On the lane: offer the deferred members their frame in order, waiting under {@code BLOCK}, one deadline for all. */
    private void deliverDeferred(List<Member> deferred) {
        long deadline = System.nanoTime() + sendTimeoutNanos;
        DeliveryTally part = new DeliveryTally(); // attempted was counted by the writer thread that deferred them
        for (Member m : deferred) {
            try {
                part.count(Hub.send(m.peer(), frame, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                        roomBehavior));
            } finally {
                m.deferredDone();
            }
        }
        report(part);
        partDone();
    }

    private synchronized void report(DeliveryTally part) {
        total.add(part);
    }

    private void shardDone() {
        if (shardsLeft.decrementAndGet() == 0) {
            onShardsDone.run();
        }
        partDone();
    }

    private void partDone() {
        if (partsLeft.decrementAndGet() != 0) {
            return;
        }
        if (lanes.isLaneThread(laneKey)) {
            complete();
        } else {
            lanes.submitContinuation(laneKey, this::complete); // from a writer thread: finish on the lane
        }
    }

    private void complete() {
        BroadcastResult r;
        synchronized (this) {
            r = total.result();
        }
        result.complete(r);
    }
}
