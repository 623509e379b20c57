package dev.roomcast.hub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roomcast.core.BroadcastRecord;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.BroadcastResult.Rejection;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ClusterBus;
import dev.roomcast.core.ClusterBus.RemoteMember;
import dev.roomcast.core.ClusterBus.RemoteMembers;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.Frame;
import dev.roomcast.core.HistoryRead;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.HubStats;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomAccess;
import dev.roomcast.core.RoomHistory;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.StreamPosition;
import dev.roomcast.core.CloseCode;
import dev.roomcast.core.CloseReason;
import dev.roomcast.hub.internal.BroadcastLanes;
import dev.roomcast.hub.internal.DrainPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub owns the rooms: it admits connections, adds them to rooms and removes them, and fans
 * broadcasts out to members' send queues. It is plain Java and sees connections only through the
 * {@link Peer} port.
 *
 * <p><b>Fan-out.</b> A broadcast encodes its envelope once into a {@link Frame} on the caller's
 * thread, then runs on one of {@code workerCount} bounded lanes ({@code jobQueueSize} jobs in all):
 * each room's broadcasts run in order on one lane. A virtual thread that broadcasts to an idle lane
 * runs the delivery itself, and the returned future is then already complete; otherwise one of the
 * lanes' runner threads runs it. Delivery offers the shared frame to every member without waiting;
 * only members whose queue was full then get the {@code SendBehavior} treatment, so a slow member
 * never delays the others. A room of {@link #SHARDED_FANOUT_MIN_MEMBERS} or more whose peers have
 * {@link dev.roomcast.core.WriterThread}s is handed to those threads instead, once per thread
 * ({@link ShardedFanout}); its future then completes later, on the lane.
 *
 * <p><b>States.</b> <em>running</em>; <em>shutting down</em> ({@link #shutdown}: new connections, joins
 * and broadcasts refused, members told when to reconnect and closed in batches after their queues
 * drain); <em>stopped</em>
 * ({@link #stop}: workers ended, remaining members closed). Both are idempotent.
 *
 * <p>Thread-safe. Membership changes take the room's lock; broadcasts take no lock.
 */
public final class Hub implements HubStats {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    private static final Object ALL_LANE_KEY = new Object();
    /**
     * Rooms with at least this many members are fanned out per writer thread ({@link ShardedFanout});
     * smaller ones are delivered by the lane itself, which costs fewer hand-offs than it saves.
     */
    public static final int SHARDED_FANOUT_MIN_MEMBERS = 32;
    private static final BroadcastResult NOBODY = new BroadcastResult(0, 0, 0, 0, 0, Optional.empty());
    /** Longest a join into a history room waits for the history (both reads, and for this node to catch up). */
    public static final Duration HISTORY_WAIT = Duration.ofSeconds(5);
    /** Most times a recovering join reads the history again because this node delivered more since its read. */
    private static final int HISTORY_ROUNDS = 50;
    /**
     * Longest a recovering join waits for messages its read saw to arrive on this node (Redis relays
     * them within milliseconds; one it lost while reconnecting never comes, and the join then goes ahead).
     */
    private static final Duration HISTORY_CATCH_UP = Duration.ofSeconds(1);
    /** Most members a {@code joined} reply lists; its {@code memberCount} always gives the total. */
    public static final int JOINED_MEMBER_LIMIT = 100;
    /** Longest a join waits for a bus's list of the other nodes' members, should the bus not bound it itself. */
    private static final Duration CLUSTER_PRESENCE_WAIT_LIMIT = Duration.ofSeconds(5);

    private enum State { RUNNING, SHUTTING_DOWN, STOPPED }

    private final RoomcastConfig config;
    private final EnvelopeCodec codec;
    private final Clock clock;
    private final List<HubListener> listeners;
    private final ClusterBus bus;
    /** The history of the rooms that keep one, or null: then every room broadcast takes the bus. */
    private final RoomHistory history;
    /**
     * The last history position delivered on this node, per history room (bounded by the rooms the
     * history keeps), starting from the positions the history reported at subscription; written on the
     * room's lane (and once by the constructor), so a recovering join on the lane sees exactly which
     * offsets its live delivery will start after.
     */
    private final ConcurrentHashMap<RoomName, StreamPosition> deliveredPositions = new ConcurrentHashMap<>();
    private final PresencePolicy presence;
    private final BroadcastLanes lanes;
    /**
     * Sharded broadcasts whose writer threads have not all taken their part yet, at most
     * {@code jobQueueSize}: a lane that hands out broadcasts faster than the writer threads take them
     * waits here, so their task queues stay bounded.
     */
    private final Semaphore shardedInFlight;

    private final ConcurrentHashMap<RoomName, Room> rooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ConnectionId, Member> members = new ConcurrentHashMap<>();
    /** Connection slots taken, including admitted connections; bounded by {@code maxConnections}. */
    private final AtomicInteger connectionSlots = new AtomicInteger();
    /** Connection×room memberships; bounded by {@code maxRoomRegistrations}. */
    private final AtomicInteger registrations = new AtomicInteger();
    private volatile State state = State.RUNNING;

    /** Released when {@link #stop()} has finished, for a second {@link #shutdown} call to wait on. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Signalled when the last member disconnects, for {@link #shutdown}. */
    private final ReentrantLock emptyLock = new ReentrantLock();
    private final Condition becameEmpty = emptyLock.newCondition();

    /**
     * Creates a running hub and starts its broadcast workers.
     *
     * @param config    limits, worker pool sizes
     * @param codec     encodes envelopes once per broadcast
     * @param clock     drives the join rate limits
     * @param listeners telemetry hooks, called on hub threads
     * @param bus       the path of room broadcasts; the hub subscribes its local delivery to it
     * @param presence  which rooms announce joins and leaves
     */
    public Hub(RoomcastConfig config, EnvelopeCodec codec, Clock clock, Collection<HubListener> listeners,
               ClusterBus bus, PresencePolicy presence) {
        this(config, codec, clock, listeners, bus, presence, Optional.empty());
    }

    /**
     * Creates a running hub whose history rooms (those {@code history} keeps) broadcast through the
     * history instead of the bus: their messages carry a room offset and epoch, and a join may recover
     * what a client missed ({@link #tryJoin(Peer, String, Optional, RoomAccess, Optional)}).
     */
    public Hub(RoomcastConfig config, EnvelopeCodec codec, Clock clock, Collection<HubListener> listeners,
               ClusterBus bus, PresencePolicy presence, Optional<RoomHistory> history) {
        this.history = history.orElse(null);
        this.config = Objects.requireNonNull(config, "config");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listeners = List.copyOf(listeners);
        this.bus = Objects.requireNonNull(bus, "bus");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.lanes = new BroadcastLanes(config.workerCount(), config.jobQueueSize(), "roomcast-broadcast-");
        this.shardedInFlight = new Semaphore(config.jobQueueSize());
        bus.subscribe(this::deliverFromBus);
        bus.subscribeDepartures(this::announceDeparted);
        if (this.history != null) {
            // Messages at or before these positions may never come here: a recovering join must not wait for them.
            this.history.subscribe(this::deliverFromHistory).forEach(this::recordDelivered);
        }
    }

    /** A hub with the in-process bus, no listeners and presence as configured. */
    public static Hub create(RoomcastConfig config, EnvelopeCodec codec, Clock clock) {
        return new Hub(config, codec, clock, List.of(), new InProcessClusterBus(),
                PresencePolicy.always(config.presenceEnabled()));
    }

    // ---- connections ---------------------------------------------------------------------------

    /**
     * Admits a connection, taking one of the {@code maxConnections} slots. The transport calls this
     * before answering 101, so a full hub never produces a 101 followed by a drop.
     */
    public Admission tryConnect(Peer peer) {
        if (state != State.RUNNING) {
            return new Admission.Refused(ErrorCode.SHUTTING_DOWN);
        }
        int max = config.maxConnections();
        while (true) {
            int taken = connectionSlots.get();
            if (max > 0 && taken >= max) {
                return new Admission.Refused(ErrorCode.HUB_FULL);
            }
            if (connectionSlots.compareAndSet(taken, taken + 1)) {
                break;
            }
        }
        Member member = new Member(peer, new TokenBucket(config.joinRatePerSecond(), config.joinBurst(), clock));
        if (members.putIfAbsent(peer.id(), member) != null) {
            connectionSlots.decrementAndGet();
            throw new IllegalStateException("connection " + peer.id() + " is already connected");
        }
        if (state != State.RUNNING) { // stop raced with us: undo, so nothing is left behind
            disconnect(peer);
            return new Admission.Refused(ErrorCode.SHUTTING_DOWN);
        }
        return new Admission.Admitted();
    }

    /**
     * Removes a connection: it leaves every room (others see presence leaves) and frees its slot.
     * Idempotent; safe from any thread.
     */
    public void disconnect(Peer peer) {
        Member member = members.remove(peer.id());
        if (member == null) {
            return;
        }
        // Rooms entered by a join racing with us are in this list, or that join is refused (Member.enter).
        for (RoomName room : member.disconnect()) {
            removeFromRoom(member, room);
        }
        connectionSlots.decrementAndGet();
        if (members.isEmpty()) {
            emptyLock.lock();
            try {
                becameEmpty.signalAll();
            } finally {
                emptyLock.unlock();
            }
        }
    }

    // ---- rooms ---------------------------------------------------------------------------------

    /**
     * Adds a connected peer to a room and sends it a {@code joined} event (echoing {@code replyId})
     * with the member list, before any broadcast of the room can reach it. Checks, in order: hub
     * stopped, room name valid, connected, duplicate join (succeeds, even at capacity, and is answered
     * with {@code joined} again), join rate, {@code maxRoomRegistrations}, {@code maxRoomConnections},
     * room in the joiner's send queue for the reply (never waited for). Members of the room receive a
     * {@code presence} join when the room announces.
     *
     * <p>Blocks until the room's lane has made the join visible (see {@link #tryJoinBeforeOpen} for
     * the upgrade's joins, which need not); never call it from an I/O thread.
     */
    public JoinResult tryJoin(Peer peer, String roomName, Optional<String> replyId) {
        return tryJoin(peer, roomName, replyId, RoomAccess.PUBLISH, Optional.empty());
    }

    /**
     * {@link #tryJoin(Peer, String, Optional)} with what the member may do in the room: the transport
     * passes its {@code RoomAuthorizer}'s {@link RoomAccess}. The access becomes part of the membership
     * in the same step that makes the member visible (and replaces the earlier one on a join of a room
     * it is already in), so a publish right after {@code joined} is judged by it and a member that
     * leaves takes it along; {@link #mayPublish} reads it.
     */
    public JoinResult tryJoin(Peer peer, String roomName, Optional<String> replyId, RoomAccess access) {
        return tryJoin(peer, roomName, replyId, access, Optional.empty());
    }

    /**
     * {@link #tryJoin(Peer, String, Optional)} that recovers, in a room with a history, the
     * messages a reconnecting client missed after {@code since} (its last offset and epoch). The
     * {@code joined} reply then carries the room's {@code offset} and {@code epoch} and, when
     * {@code since} is given, {@code recovered: true|false}; the missed messages follow it in order,
     * before any live one, with no gap and no duplicate. Not recovered: the epoch changed, a missed
     * message left the history, more were missed than the send queue holds, or the history could not
     * be read (then the reply carries no position). In other rooms {@code since} is ignored. Blocks the
     * calling thread for the history read too (at most {@link #HISTORY_WAIT}): never call it from an I/O thread.
     */
    public JoinResult tryJoin(Peer peer, String roomName, Optional<String> replyId, Optional<StreamPosition> since) {
        return tryJoin(peer, roomName, replyId, RoomAccess.PUBLISH, since);
    }

    /** {@link #tryJoin(Peer, String, Optional, Optional)} with the member's {@link RoomAccess}: what a transport calls. */
    public JoinResult tryJoin(Peer peer, String roomName, Optional<String> replyId, RoomAccess access,
                              Optional<StreamPosition> since) {
        return join(peer, roomName, replyId, false, Objects.requireNonNull(access, "access"), since);
    }

    /**
     * Adds a peer that cannot have read anything yet to a room, as {@link #tryJoin} does but without
     * the hop to the room's lane: the transport's joins for the rooms named at the upgrade, made
     * before it answers 101. Same checks in the same order, same {@code joined} reply (with no id),
     * same listener calls and presence (queued on the lane like any broadcast, not waited for); it
     * never returns {@link JoinResult.Reason#BUSY}. When it returns {@code Joined}, the member is in
     * the room and its {@code joined} reply is first in its queue, ahead of any broadcast of the room
     * (one already being delivered may reach it too, after the reply). Never waits for a lane.
     *
     * <p><b>Precondition:</b> the peer's writer must not run until this call returns, so nothing
     * queued for the peer reaches its client before then. {@code tryJoin} needs the lane because a
     * client that has read {@code joined} may publish at once and must receive its own message; a
     * client that can read nothing before the member is in the room cannot race with the join, so
     * the join completes on the caller's thread. Called on a peer whose writer already runs, a
     * message the client publishes right after reading {@code joined} may miss it.
     *
     * <p>On a bus that {@link #joinsWaitForCluster spans nodes} an admitted join waits, bounded by the
     * bus, for the other nodes' members to list in the reply: then never call it on an I/O thread.
     */
    public JoinResult tryJoinBeforeOpen(Peer peer, String roomName) {
        return tryJoinBeforeOpen(peer, roomName, RoomAccess.PUBLISH);
    }

    /** {@link #tryJoinBeforeOpen(Peer, String)} with the member's {@link RoomAccess}, as {@link #tryJoin(Peer, String, Optional, RoomAccess)}. */
    public JoinResult tryJoinBeforeOpen(Peer peer, String roomName, RoomAccess access) {
        return join(peer, roomName, Optional.empty(), true, Objects.requireNonNull(access, "access"), Optional.empty());
    }

    /** {@link #tryJoin} and {@link #tryJoinBeforeOpen}; {@code beforeOpen} completes an admitted join here, not on the lane. */
    private JoinResult join(Peer peer, String roomName, Optional<String> replyId, boolean beforeOpen, RoomAccess access,
                            Optional<StreamPosition> since) {
        if (state != State.RUNNING) {
            return refused(peer, null, JoinResult.Reason.STOPPED);
        }
        Optional<RoomName> parsed = RoomName.parse(roomName);
        if (parsed.isEmpty()) {
            return refused(peer, null, JoinResult.Reason.INVALID_ROOM);
        }
        RoomName name = parsed.get();
        Member member = members.get(peer.id());
        if (member == null) {
            return refused(peer, name, JoinResult.Reason.NOT_CONNECTED);
        }
        while (true) {
            Room room = rooms.computeIfAbsent(name, Room::new);
            JoinResult result;
            Frame duplicateReply = null;
            List<RoomMember> duplicateList = null;
            int duplicateCount = 0;
            room.lock().lock();
            try {
                if (room.isDead()) {
                    continue; // it emptied and left the registry after we looked it up: take the new one
                }
                if (room.memberMap().containsKey(peer.id())) {
                    // Already a member: only the access is decided again, and the request still gets its answer.
                    member.grant(name, access);
                    List<RoomMember> list = memberSample(room, null);
                    if (bus.spansNodes()) {
                        duplicateList = list; // answered below, once the other nodes' members are known
                        duplicateCount = room.memberMap().size();
                    } else {
                        Frame reply = codec.encode(joinedEvent(name, list, room.memberMap().size(), replyId, RemoteMembers.NONE));
                        if (!peer.trySend(reply)) {
                            duplicateReply = reply;
                        }
                    }
                    result = new JoinResult.Joined(name, list, true);
                } else if (!member.joinBucket().tryAcquire()) {
                    result = new JoinResult.Refused(JoinResult.Reason.RATE_LIMITED);
                } else if (!reserveRegistration()) {
                    result = new JoinResult.Refused(JoinResult.Reason.REGISTRATIONS_FULL);
                } else if (config.maxRoomConnections() > 0 && room.occupancy() >= config.maxRoomConnections()) {
                    registrations.decrementAndGet();
                    result = new JoinResult.Refused(JoinResult.Reason.ROOM_FULL);
                } else {
                    room.addPendingJoin(); // admitted: counts against the limits until completeJoin makes it visible
                    result = null;
                }
                if (result != null && room.isEmpty()) {
                    retire(room);
                }
            } finally {
                room.lock().unlock();
            }
            if (duplicateReply != null) {
                peer.send(duplicateReply);
            }
            if (duplicateList != null) {
                peer.send(codec.encode(joinedEvent(name, duplicateList, duplicateCount, replyId, awaitRemoteMembers(name))));
            }
            if (result == null) {
                // Asked only once admitted, so refused joins never cost a Redis round trip.
                AdmittedJoin admitted = new AdmittedJoin(replyId, access, since, awaitRemoteMembers(name), null);
                // Before open, nothing queued for the peer can reach its client until we return, so no
                // broadcast needs to be kept out from between the reply and the member becoming visible.
                if (beforeOpen) {
                    result = completeJoin(room, member, admitted);
                } else if (history != null && history.keeps(name)) {
                    result = joinWithHistory(room, member, admitted);
                } else {
                    result = joinOnLane(room, member, admitted);
                }
            }
            if (result instanceof JoinResult.Joined joined && !joined.alreadyMember()) {
                listeners.forEach(l -> safely(() -> l.onJoined(peer, name)));
            } else if (result instanceof JoinResult.Refused r) {
                listeners.forEach(l -> safely(() -> l.onJoinRefused(peer, name, r.code())));
            }
            return result;
        }
    }

    /**
     * A join that passed admission, on its way to being completed ({@link #completeJoin}): what was
     * asked (the id its {@code joined} reply answers, the {@link RoomAccess} the member enters with,
     * and {@code since}, the position after which a reconnecting client wants what it missed), what
     * admission learnt (the other nodes' members the reply lists, asked once), and, in a room with a
     * history, its {@link Recovery} (null until {@link #joinWithHistory} has read the history, and in
     * other rooms).
     * Only the recovery changes, as the joiner's thread catches up with the history between lane
     * steps (see its Javadoc); the join itself does not.
     */
    private record AdmittedJoin(Optional<String> replyId, RoomAccess access, Optional<StreamPosition> since,
                                RemoteMembers remote, Recovery recovery) {
        AdmittedJoin {
            Objects.requireNonNull(replyId, "replyId");
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(remote, "remote");
        }

        /** This join, completed with {@code recovery}'s view of the room's history. */
        AdmittedJoin recovering(Recovery recovery) {
            return new AdmittedJoin(replyId, access, since, remote, Objects.requireNonNull(recovery, "recovery"));
        }
    }

    /**
     * Makes an admitted join visible on the room's lane, the thread that runs the room's broadcasts in
     * order. There the {@code joined} reply is queued and the member added with no broadcast of the
     * room in between: every earlier broadcast went out without the joiner, every later one reaches it
     * after its reply. So a client that has read {@code joined} receives everything published after.
     * The caller waits for the step (never an I/O thread: joins come from connection and upgrade threads);
     * a virtual thread that finds the lane idle runs the step itself. Null only for a join with a
     * recovery whose step found this node not yet in step with its history read (the join is still pending).
     */
    private JoinResult joinOnLane(Room room, Member member, AdmittedJoin admitted) {
        CompletableFuture<JoinResult> done = new CompletableFuture<>();
        Runnable step = () -> {
            try {
                done.complete(completeJoin(room, member, admitted));
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e); // the joiner's thread must not wait forever for a failed step
                throw e;
            }
        };
        if (lanes.isLaneThread()) {
            step.run(); // a lane must not wait for a job queued behind itself
        } else if (!lanes.submit(room.name(), step, Thread.currentThread().isVirtual())) {
            JoinResult.Reason why = state == State.RUNNING ? JoinResult.Reason.BUSY : JoinResult.Reason.STOPPED;
            return abandonJoin(room, why);
        }
        return done.join();
    }

    /**
     * Queues the reply, then makes the member visible and announces it, all under the room's lock.
     * Runs on the room's lane, or on the caller's thread for a join before open. With a recovery
     * (a history room), returns null instead, the join still pending, while this node's delivered
     * position differs from the one the recovery read up to ({@link #joinWithHistory} then closes the gap).
     */
    private JoinResult completeJoin(Room room, Member member, AdmittedJoin admitted) {
        RoomName name = room.name();
        Peer peer = member.peer();
        Recovery recovery = admitted.recovery();
        room.lock().lock();
        try {
            if (recovery != null && state == State.RUNNING && !recovery.inStepWith(deliveredPositions.get(name))) {
                return null;
            }
            room.removePendingJoin();
            if (state != State.RUNNING) {
                return undoJoin(room, JoinResult.Reason.STOPPED);
            }
            if (room.memberMap().containsKey(peer.id())) { // a concurrent join of the same peer got here first
                registrations.decrementAndGet();
                member.grant(name, admitted.access()); // this join's decision is the later one
                return new JoinResult.Joined(name, memberSample(room, null), true);
            }
            List<RoomMember> list = memberSample(room, member);
            // Nothing under this lock may wait (disconnects take it on I/O threads), so a joiner whose
            // queue is full right now is refused rather than waited for.
            Envelope joined = joinedEvent(name, list, room.memberMap().size() + 1, admitted.replyId(), admitted.remote());
            if (recovery != null) {
                recovery.describe((ObjectNode) joined.payload());
            }
            if (!peer.trySend(codec.encode(joined))) {
                return undoJoin(room, JoinResult.Reason.SEND_QUEUE_FULL);
            }
            if (recovery != null && !recovery.sendMissed(peer)) {
                // The reply promised them: a client that got only part would silently lack the rest.
                peer.close(CloseReason.of(CloseCode.TRY_AGAIN_LATER, "recovered messages did not fit the send queue"));
                return undoJoin(room, JoinResult.Reason.SEND_QUEUE_FULL);
            }
            if (!member.enter(name, admitted.access())) { // disconnected meanwhile: it would never leave this room
                return undoJoin(room, JoinResult.Reason.NOT_CONNECTED);
            }
            room.add(member);
            busSafely(() -> bus.memberJoined(name, peer.id(), member.asRoomMember().subject()));
            // Announced under the lock, so presence events leave in the order of the changes.
            announce(room, "join", member.asRoomMember(), Optional.of(peer.id()));
            return new JoinResult.Joined(name, list, false);
        } finally {
            room.lock().unlock();
        }
    }

    /** Takes back an admitted join that never reached its lane. */
    private JoinResult abandonJoin(Room room, JoinResult.Reason why) {
        room.lock().lock();
        try {
            room.removePendingJoin();
            return undoJoin(room, why);
        } finally {
            room.lock().unlock();
        }
    }

    /** Releases an admitted join's registration; called with the room's lock held. */
    private JoinResult undoJoin(Room room, JoinResult.Reason why) {
        registrations.decrementAndGet();
        if (room.isEmpty()) {
            retire(room);
        }
        return new JoinResult.Refused(why);
    }

    /** Removes a peer from a room; returns whether it was a member. Members left behind see a presence leave. */
    public boolean leave(Peer peer, RoomName room) {
        Member member = members.get(peer.id());
        return member != null && removeFromRoom(member, room);
    }

    private boolean removeFromRoom(Member member, RoomName name) {
        Room room = rooms.get(name);
        if (room == null) {
            member.exit(name);
            return false;
        }
        room.lock().lock();
        try {
            if (!room.remove(member.peer().id())) {
                return false;
            }
            member.exit(name);
            registrations.decrementAndGet();
            busSafely(() -> bus.memberLeft(name, member.peer().id()));
            if (room.isEmpty()) {
                retire(room);
            }
            // Under the lock, like the join's: a leave can never be announced before its join.
            announce(room, "leave", member.asRoomMember(), Optional.empty());
        } finally {
            room.lock().unlock();
        }
        listeners.forEach(l -> safely(() -> l.onLeft(member.peer(), name)));
        return true;
    }

    /** Called with the room's lock held. */
    private void retire(Room room) {
        room.markDead();
        rooms.remove(room.name(), room);
    }

    private boolean reserveRegistration() {
        int max = config.maxRoomRegistrations();
        while (true) {
            int taken = registrations.get();
            if (max > 0 && taken >= max) {
                return false;
            }
            if (registrations.compareAndSet(taken, taken + 1)) {
                return true;
            }
        }
    }

    private JoinResult refused(Peer peer, RoomName room, JoinResult.Reason reason) {
        if (room != null) {
            listeners.forEach(l -> safely(() -> l.onJoinRefused(peer, room, reason.code())));
        }
        return new JoinResult.Refused(reason);
    }

    // ---- fan-out -------------------------------------------------------------------------------

    /** How the broadcasting thread takes part in a delivery when it finds the room's lane idle. */
    private enum Caller {
        /** Runs the delivery and may wait in it: a virtual thread holding no lock a delivery could need. */
        MAY_WAIT,
        /** Runs what needs no waiting and hands the rest to a runner ({@link BroadcastLanes#submitWithoutWaiting}). */
        WITHOUT_WAITING,
        /** Leaves the delivery to a runner: it holds a room's lock, or the delivery could wait before any member. */
        HANDS_OFF
    }

    /**
     * Broadcasts to every member of {@code room} (except {@code excluded}). The envelope is encoded
     * once here; delivery runs on the room's lane, in order with the room's other broadcasts. When the
     * lane is idle the caller delivers itself. A virtual thread delivers all of it (and under
     * {@code BLOCK} may wait up to {@code sendTimeout} for a slow member), so it must not hold a lock
     * that a delivery could need. Any other thread, a transport's I/O thread included, takes part
     * without waiting, on the in-process bus: to a room below the large-room size it delivers, leaving
     * members whose queue is full to a lane runner, which waits for them before the lane's next
     * broadcast; a large room it hands to the writer threads when a fan-out slot is free. The
     * future completes with what happened at each member's queue, or with a rejection (hub stopped,
     * job queue full) when nothing was enqueued.
     */
    public CompletableFuture<BroadcastResult> broadcastRoom(RoomName room, Envelope envelope, Optional<ConnectionId> excluded) {
        Caller caller;
        if (Thread.currentThread().isVirtual()) {
            caller = Caller.MAY_WAIT;
        } else {
            // Another bus may wait to publish. A large room's dispatch runs here only when a fan-out
            // slot is free at once (deliverLocally), else it continues on a runner.
            caller = bus instanceof InProcessClusterBus && rooms.containsKey(room) ? Caller.WITHOUT_WAITING : Caller.HANDS_OFF;
        }
        return broadcastRoom(room, envelope, excluded, caller);
    }

    private CompletableFuture<BroadcastResult> broadcastRoom(RoomName room, Envelope envelope, Optional<ConnectionId> excluded,
                                                             Caller caller) {
        if (state != State.RUNNING) {
            return CompletableFuture.completedFuture(BroadcastResult.rejected(Rejection.STOPPED));
        }
        Frame frame = codec.encode(envelope);
        if (keepsHistory(room, envelope)) {
            return submit(room, room, envelope, () -> appendToHistory(room, frame, excluded), caller);
        }
        return submit(room, room, envelope, () -> bus.publish(room, frame, excluded), caller);
    }

    /** Broadcasts to every connected peer, each once even if it is in many rooms. */
    public CompletableFuture<BroadcastResult> broadcastAll(Envelope envelope, Optional<ConnectionId> excluded) {
        if (state != State.RUNNING) {
            return CompletableFuture.completedFuture(BroadcastResult.rejected(Rejection.STOPPED));
        }
        Frame frame = codec.encode(envelope);
        return submit(ALL_LANE_KEY, null, envelope,
                () -> CompletableFuture.completedFuture(deliver(members.values(), frame, excluded, Optional.empty())),
                Thread.currentThread().isVirtual() ? Caller.MAY_WAIT : Caller.HANDS_OFF);
    }

    /** Sends to one connection on the caller's thread (no worker); attempted is 0 when it is not connected. */
    public BroadcastResult send(ConnectionId target, Envelope envelope) {
        if (state == State.STOPPED) {
            return BroadcastResult.rejected(Rejection.STOPPED);
        }
        Member member = members.get(target);
        if (member == null) {
            return NOBODY;
        }
        return deliver(List.of(member), codec.encode(envelope), Optional.empty(), Optional.empty());
    }

    private CompletableFuture<BroadcastResult> submit(Object laneKey, RoomName room, Envelope envelope,
                                                      Supplier<CompletionStage<BroadcastResult>> delivery,
                                                      Caller caller) {
        CompletableFuture<BroadcastResult> done = new CompletableFuture<>();
        long started = clock.nanoTime();
        Instant submittedAt = clock.now();
        Runnable job = () -> {
            // Checked again on the lane: a broadcast that raced with stop enqueues nothing.
            if (state != State.RUNNING) {
                done.complete(BroadcastResult.rejected(Rejection.STOPPED));
                return;
            }
            // Completes here, or later on the room's lane when a large room's writer threads report.
            delivery.get().thenAccept(result -> {
                long nanos = clock.nanoTime() - started;
                listeners.forEach(l -> safely(() -> l.onBroadcast(room, result, nanos)));
                BroadcastRecord record = new BroadcastRecord(Optional.ofNullable(room), envelope.type(), result,
                        submittedAt, submittedAt.plusNanos(nanos), envelope.traceparent());
                listeners.forEach(l -> safely(() -> l.onBroadcastCompleted(record)));
                done.complete(result);
            });
        };
        boolean queued = caller == Caller.WITHOUT_WAITING ? lanes.submitWithoutWaiting(laneKey, job)
                : lanes.submit(laneKey, job, caller == Caller.MAY_WAIT);
        if (!queued) {
            BroadcastResult rejected = BroadcastResult.rejected(
                    state == State.RUNNING ? Rejection.JOB_QUEUE_FULL : Rejection.STOPPED);
            listeners.forEach(l -> safely(() -> l.onBroadcast(room, rejected, 0)));
            BroadcastRecord record = new BroadcastRecord(Optional.ofNullable(room), envelope.type(), rejected, submittedAt,
                    submittedAt, envelope.traceparent());
            listeners.forEach(l -> safely(() -> l.onBroadcastCompleted(record)));
            done.complete(rejected);
        }
        return done;
    }

    /**
     * What the hub subscribes to its {@link ClusterBus}: a frame published by this hub arrives on the
     * room's lane and is delivered there; a frame relayed from another node arrives on the bus's own
     * thread (one that must not wait, such as a Redis client's event loop) and is queued on the room's
     * lane like any broadcast, so it keeps the room's order and is delivered by a lane runner.
     */
    private CompletionStage<BroadcastResult> deliverFromBus(RoomName name, Frame frame, Optional<ConnectionId> excluded) {
        if (lanes.isLaneThread(name)) {
            return deliverLocally(name, frame, excluded);
        }
        if (state != State.RUNNING) {
            return CompletableFuture.completedFuture(BroadcastResult.rejected(Rejection.STOPPED));
        }
        CompletableFuture<BroadcastResult> done = new CompletableFuture<>();
        Runnable job = () -> deliverLocallyInto(done, name, frame, excluded);
        if (!lanes.submit(name, job, false)) {
            done.complete(BroadcastResult.rejected(state == State.RUNNING ? Rejection.JOB_QUEUE_FULL : Rejection.STOPPED));
        }
        return done;
    }

    /**
     * Runs {@link #deliverLocally} (on a lane runner) and completes {@code done} with its outcome: the
     * caller handed {@code done} to someone who waits on it, so it must complete whatever happens,
     * even when the delivery throws.
     */
    private void deliverLocallyInto(CompletableFuture<BroadcastResult> done, RoomName name, Frame frame,
            Optional<ConnectionId> excluded) {
        try {
            deliverLocally(name, frame, excluded).whenComplete((r, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                } else {
                    done.complete(r);
                }
            });
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
            throw e;
        }
    }

    /**
     * The local delivery of room frames, subscribed to the {@link ClusterBus}; runs on the room's
     * lane. A room of {@link #SHARDED_FANOUT_MIN_MEMBERS} or more is handed to its members' writer
     * threads ({@link ShardedFanout}) and completes when they report; a smaller one, or one whose
     * transport has no writer threads, is delivered here. So is a small room's broadcast, unless an
     * earlier one of the room is still with the writer threads or a member waits behind frames
     * deferred there ({@link Member#hasDeferred}): offered directly, it could overtake them.
     */
    private CompletionStage<BroadcastResult> deliverLocally(RoomName name, Frame frame, Optional<ConnectionId> excluded) {
        Room room = rooms.get(name);
        if (room == null) {
            return CompletableFuture.completedFuture(NOBODY);
        }
        Optional<SendBehavior> roomBehavior = Optional.ofNullable(config.roomSendBehaviors().get(name));
        if (!isLarge(room) && !room.hasShardedPending() && !anyDeferred(room)) {
            return lanes.mustNotWait() ? deliverWithoutWaiting(room.members(), frame, excluded, roomBehavior)
                    : CompletableFuture.completedFuture(deliver(room.members(), frame, excluded, roomBehavior));
        }
        FanoutPlan plan = room.plan();
        if (lanes.mustNotWait()) {
            // A thread that must not wait (the publisher's I/O thread) hands the frame to the writer
            // threads itself when that cannot wait: a slot is free now and every member has a writer
            // thread. That saves waking a runner per broadcast, which under load waits for a core while
            // the message's latency grows. Otherwise (no slot, or members to offer here, which may
            // wait) the delivery continues on a runner, the lane still owned.
            if (plan.threads().length > 0 && plan.direct().length == 0 && shardedInFlight.tryAcquire()) {
                return dispatchSharded(name, room, plan, frame, excluded, roomBehavior);
            }
            CompletableFuture<BroadcastResult> rest = new CompletableFuture<>();
            lanes.continueOnRunner(() -> deliverLocallyInto(rest, name, frame, excluded));
            return rest;
        }
        if (plan.threads().length == 0) {
            return CompletableFuture.completedFuture(deliver(Arrays.asList(plan.direct()), frame, excluded, roomBehavior));
        }
        if (!awaitShardedSlot()) {
            return CompletableFuture.completedFuture(BroadcastResult.rejected(Rejection.STOPPED));
        }
        return dispatchSharded(name, room, plan, frame, excluded, roomBehavior);
    }

    /**
     * Hands a large room's broadcast to its members' writer threads ({@link ShardedFanout}) and
     * delivers to the members without one here; on the room's lane, holding a sharded slot that the
     * fan-out returns once every writer thread took its part.
     */
    private CompletionStage<BroadcastResult> dispatchSharded(RoomName name, Room room, FanoutPlan plan, Frame frame,
                                                             Optional<ConnectionId> excluded,
                                                             Optional<SendBehavior> roomBehavior) {
        room.shardedStarted();
        ShardedFanout fanout = ShardedFanout.dispatch(plan, frame, excluded, roomBehavior, config.sendBehavior(name),
                config.sendTimeout(), lanes, name, () -> {
                    room.shardedDone();
                    shardedInFlight.release();
                });
        BroadcastResult direct = plan.direct().length == 0 ? NOBODY
                : deliver(Arrays.asList(plan.direct()), frame, excluded, roomBehavior);
        return fanout.finishDispatch(direct);
    }

    /** Whether a member of {@code room} waits behind frames deferred by a sharded broadcast; a small room's scan. */
    private static boolean anyDeferred(Room room) {
        for (Member m : room.members()) {
            if (m.hasDeferred()) {
                return true;
            }
        }
        return false;
    }

    /** Waits for a sharded broadcast slot (see {@link #shardedInFlight}); false once the hub stops. */
    private boolean awaitShardedSlot() {
        try {
            while (!shardedInFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (state == State.STOPPED) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop interrupts the lanes: give up like a stopped hub
            return false;
        }
    }

    /**
     * Offers one shared frame to each member: first without waiting, so every member with room in
     * its queue gets the frame at once; then, only for the members whose queue was full, with the
     * configured {@code SendBehavior}: the room's own when it has one ({@code roomBehavior}), else each
     * connection's.
     */
    private BroadcastResult deliver(Collection<Member> targets, Frame frame, Optional<ConnectionId> excluded,
                                    Optional<SendBehavior> roomBehavior) {
        DeliveryTally tally = new DeliveryTally();
        List<Peer> full = offerToAll(targets, frame, excluded, tally);
        if (full != null) {
            offerToFull(full, frame, tally, roomBehavior);
        }
        return tally.result();
    }

    /**
     * {@link #deliver} for a thread that must not wait ({@link BroadcastLanes#mustNotWait}): every
     * member with room in its queue gets the frame here, {@code DROP} and {@code CLOSE} apply here
     * (neither waits), and under {@code BLOCK} the members whose queue was full are handed to a lane
     * runner, which waits for them (one deadline for all) before the lane runs anything else.
     */
    private CompletionStage<BroadcastResult> deliverWithoutWaiting(Collection<Member> targets, Frame frame,
                                                                   Optional<ConnectionId> excluded,
                                                                   Optional<SendBehavior> roomBehavior) {
        DeliveryTally tally = new DeliveryTally();
        List<Peer> full = offerToAll(targets, frame, excluded, tally);
        if (full == null || roomBehavior.orElse(config.sendBehavior()) != SendBehavior.BLOCK) {
            if (full != null) {
                offerToFull(full, frame, tally, roomBehavior);
            }
            return CompletableFuture.completedFuture(tally.result());
        }
        CompletableFuture<BroadcastResult> result = new CompletableFuture<>();
        lanes.continueOnRunner(() -> {
            try {
                offerToFull(full, frame, tally, roomBehavior);
            } finally {
                // A peer that threw counts as closed, with those after it: the future completes regardless.
                tally.closed(tally.unanswered());
                result.complete(tally.result());
            }
        });
        return result;
    }

    /** A delivery's first pass: offers the frame to each member without waiting; returns the peers whose queue was full, or null. */
    private static List<Peer> offerToAll(Collection<Member> targets, Frame frame, Optional<ConnectionId> excluded,
                                         DeliveryTally tally) {
        ConnectionId skip = excluded.orElse(null);
        List<Peer> full = null;
        for (Member m : targets) {
            Peer peer = m.peer();
            if (skip != null && skip.equals(peer.id())) {
                continue;
            }
            tally.attempt();
            if (peer.trySend(frame)) {
                tally.enqueued();
            } else {
                if (full == null) {
                    full = new ArrayList<>();
                }
                full.add(peer);
            }
        }
        return full;
    }

    /**
     * A delivery's second pass: the peers whose queue was full, with the send behaviour (the room's own
     * when it has one, else each connection's) and one deadline for all.
     */
    private void offerToFull(List<Peer> full, Frame frame, DeliveryTally tally, Optional<SendBehavior> roomBehavior) {
        // One deadline for the whole broadcast: k slow members cost one sendTimeout, not k.
        long deadline = System.nanoTime() + config.sendTimeout().toNanos();
        for (Peer peer : full) {
            tally.count(send(peer, frame, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), roomBehavior));
        }
    }

    /** Offers {@code frame} with the room's own behaviour at a full queue when it has one, else with the peer's. */
    static SendResult send(Peer peer, Frame frame, Duration maxWait, Optional<SendBehavior> roomBehavior) {
        return roomBehavior.isPresent() ? peer.send(frame, maxWait, roomBehavior.get()) : peer.send(frame, maxWait);
    }

    /** Queues a presence event on the room's lane without waiting; called with the room's lock held. */
    private void announce(Room changed, String event, RoomMember who, Optional<ConnectionId> excluded) {
        RoomName room = changed.name();
        if (state != State.RUNNING || !presence.announces(room) || nobodyToTell(changed, excluded)) {
            return;
        }
        ObjectNode payload = codec.mapper().createObjectNode().put("event", event);
        payload.set("member", memberNode(who));
        // Under the room's lock (see the callers): never run the delivery here, always on the lane.
        broadcastRoom(room, Envelope.toRoom("presence", room, payload), excluded, Caller.HANDS_OFF);
    }

    /**
     * Whether a presence event of {@code room} would reach no one: the bus is this process alone and
     * the room has no member but the excluded one. Called with the room's lock held, so the check sees
     * every member the change concerns; one who joins afterwards learns the room from its own
     * {@code joined} reply (which lists a member who joined, and not one who left) and needs no event
     * about a change before its time. Under churn (each connection alone in its room) this spares every join and
     * every leave an encoded frame, a hand-off to a lane runner and its wake-up, for nobody. With a
     * cluster bus the other nodes' members may be listening, so the event always goes out.
     */
    private boolean nobodyToTell(Room room, Optional<ConnectionId> excluded) {
        if (bus.spansNodes()) {
            return false;
        }
        int members = room.memberMap().size();
        return members == 0 || (members == 1 && excluded.isPresent() && room.memberMap().containsKey(excluded.get()));
    }

    /**
     * The {@code joined} reply: this node's {@code list} (of {@code memberCount} local members) and,
     * on a bus that spans nodes, the other nodes' members ({@link #withRemoteMembers}).
     */
    private Envelope joinedEvent(RoomName room, List<RoomMember> list, int memberCount, Optional<String> replyId,
                                 RemoteMembers remote) {
        ObjectNode payload = codec.mapper().createObjectNode()
                .put("memberCount", memberCount + remote.count());
        ArrayNode array = payload.putArray("members");
        for (RoomMember m : withRemoteMembers(list, remote)) {
            array.add(memberNode(m));
        }
        if (!remote.complete()) {
            payload.put("partial", true); // the other nodes could not be asked: this node's members only
        }
        return Envelope.toRoom("joined", room, payload).withId(replyId);
    }

    private ObjectNode memberNode(RoomMember m) {
        return codec.mapper().createObjectNode().put("subject", m.subject()).put("connectionId", m.connectionId().value());
    }

    // ---- cluster presence ----------------------------------------------------------------------

    /**
     * The other nodes' members of {@code room} for a {@code joined} reply, or {@link RemoteMembers#NONE}
     * on a single-node bus. Waits for the bus's answer, which the bus bounds itself (a Redis bus fails
     * at once while Redis is unreachable, and after its presence read timeout otherwise);
     * {@link #CLUSTER_PRESENCE_WAIT_LIMIT} only guards against a bus that breaks that promise. Runs on
     * the joining thread, never on a lane or under a lock; see {@link #joinsWaitForCluster}.
     */
    private RemoteMembers awaitRemoteMembers(RoomName room) {
        if (!bus.spansNodes()) {
            return RemoteMembers.NONE;
        }
        try {
            return bus.remoteMembers(room, JOINED_MEMBER_LIMIT).toCompletableFuture()
                    .get(CLUSTER_PRESENCE_WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RemoteMembers.UNAVAILABLE;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            return RemoteMembers.UNAVAILABLE;
        }
    }

    /**
     * {@code local} followed by the other nodes' members, up to {@link #JOINED_MEMBER_LIMIT} in all,
     * sorted like the local ones; {@code local} itself when no other node has members.
     */
    private static List<RoomMember> withRemoteMembers(List<RoomMember> local, RemoteMembers remote) {
        if (remote.sample().isEmpty()) {
            return local;
        }
        List<RoomMember> all = new ArrayList<>(local);
        for (RemoteMember m : remote.sample()) {
            if (all.size() >= JOINED_MEMBER_LIMIT) {
                break;
            }
            all.add(new RoomMember(m.subject(), m.connectionId()));
        }
        all.sort(MEMBER_ORDER);
        return all;
    }

    /**
     * Announces, to this node's members of {@code room}, a {@code presence} leave for each member of
     * another node that the bus reports gone without a leave of its own (its node died or stopped).
     * Delivered here only, on the room's lane like a relayed frame: every node announces to its own members.
     */
    private void announceDeparted(RoomName room, List<RemoteMember> gone) {
        if (state != State.RUNNING || !presence.announces(room)) {
            return;
        }
        for (RemoteMember m : gone) {
            ObjectNode payload = codec.mapper().createObjectNode().put("event", "leave");
            payload.set("member", memberNode(new RoomMember(m.subject(), m.connectionId())));
            deliverFromBus(room, codec.encode(Envelope.toRoom("presence", room, payload)), Optional.empty());
        }
    }

    /**
     * Whether a join may wait for the cluster bus (a bus that spans nodes lists the other nodes'
     * members in the {@code joined} reply): the transport must then not call {@link #tryJoinBeforeOpen}
     * on an I/O thread. The wait is bounded by the bus's presence read timeout.
     */
    public boolean joinsWaitForCluster() {
        return bus.spansNodes();
    }

    private static final Comparator<RoomMember> MEMBER_ORDER =
            Comparator.comparing(RoomMember::subject).thenComparing(m -> m.connectionId().value());

    /**
     * Up to {@link #JOINED_MEMBER_LIMIT} members for a {@code joined} reply (including {@code joiner}
     * when given), sorted. Listing every member would make each join cost O(room size), and filling a
     * room O(N²); the reply's {@code memberCount} gives the total, {@link #members} the full list.
     */
    private static List<RoomMember> memberSample(Room room, Member joiner) {
        int limit = joiner == null ? JOINED_MEMBER_LIMIT : JOINED_MEMBER_LIMIT - 1;
        List<RoomMember> list = new ArrayList<>(Math.min(limit, room.memberMap().size()) + 1);
        for (Member m : room.members()) {
            if (list.size() >= limit) {
                break;
            }
            list.add(m.asRoomMember());
        }
        if (joiner != null) {
            list.add(joiner.asRoomMember());
        }
        list.sort(MEMBER_ORDER);
        return list;
    }

    private static List<RoomMember> memberList(Room room) {
        List<RoomMember> list = new ArrayList<>(room.memberMap().size());
        for (Member m : room.members()) {
            list.add(m.asRoomMember());
        }
        list.sort(MEMBER_ORDER);
        return list;
    }

    // ---- history (rooms that keep one: offsets, epochs, recovering joins) ------------------------

    /**
     * Whether a broadcast goes through the history: the room keeps one, and it is not a presence event
     * (a join or leave describes a moment; a recovering client learns the members from {@code joined}).
     */
    private boolean keepsHistory(RoomName room, Envelope envelope) {
        return history != null && history.keeps(room) && !"presence".equals(envelope.type());
    }

    /**
     * A history room's broadcast, on its lane: the history stamps, stores and relays it, and this node's
     * members receive it when it comes back ({@link #deliverFromHistory}), in offset order with every
     * other node's. So the result counts no local delivery, only {@code RELAYED}. When the history
     * cannot take it (Redis unreachable), this node's members still receive it, unstamped (it can never
     * be recovered), and the result says {@code FAILED}.
     */
    private CompletionStage<BroadcastResult> appendToHistory(RoomName room, Frame frame, Optional<ConnectionId> excluded) {
        CompletionStage<StreamPosition> appended;
        try {
            appended = history.append(room, frame, excluded);
        } catch (RuntimeException e) {
            appended = CompletableFuture.failedFuture(e);
        }
        return appended.handle((position, error) -> error == null).thenCompose(stored -> stored
                ? CompletableFuture.completedFuture(NOBODY.withRelay(BroadcastResult.Relay.RELAYED))
                : deliverFromBus(room, frame, excluded).thenApply(r -> r.withRelay(BroadcastResult.Relay.FAILED)));
    }

    /**
     * What the hub subscribes to its {@link RoomHistory}: a stamped frame of a history room, from any
     * node, arriving on the history's thread in offset order. Queued on the room's lane, which records
     * the position (for recovering joins) and delivers it.
     */
    private void deliverFromHistory(RoomName name, StreamPosition position, Frame frame, Optional<ConnectionId> excluded) {
        if (state != State.RUNNING || !history.keeps(name)) {
            return;
        }
        Runnable job = () -> {
            if (recordDelivered(name, position)) {
                deliverLocallyInto(new CompletableFuture<>(), name, frame, excluded);
            }
        };
        if (!lanes.submit(name, job, false)) {
            log.warn("room {}: a history message (offset {}) was dropped: the broadcast job queue is full",
                    name.value(), position.offset());
        }
    }

    /**
     * Records {@code position} as delivered here unless this node is already at or past it in the
     * same epoch (a message from before the subscription, whose position {@link RoomHistory#subscribe}
     * reported): then it returns false and the message is not delivered, since every member's joined
     * reply stated a position at or after it. Another epoch means the history was lost and started over.
     */
    private boolean recordDelivered(RoomName name, StreamPosition position) {
        // Atomic: the constructor's positions and the first lane jobs may meet here on different threads.
        StreamPosition now = deliveredPositions.compute(name, (room, before) ->
                before != null && before.sameEpoch(position) && before.offset() >= position.offset() ? before : position);
        return now == position;
    }

    /**
     * A join into a history room (on the joiner's thread, which may wait): reads the history (the
     * room's latest position, and what was missed after the join's {@code since}), then completes the join on the
     * room's lane once this node has delivered exactly up to the position read, so the missed messages
     * and the live ones meet with no gap or duplicate. Registering first and reading then would let a
     * live message overtake the history; so the lane step checks this node's delivered position: behind
     * (a message read but still on its way here), it waits a moment and tries again; ahead (delivered
     * since the read), it reads the difference and tries again. After {@link #HISTORY_WAIT}, after
     * {@link #HISTORY_ROUNDS} reads, or after waiting {@link #HISTORY_CATCH_UP} for one read's messages, it
     * joins as things are (a message Redis never delivered here may then come twice; clients drop an
     * offset they have seen). A history that cannot be read answers
     * {@code recovered:false} without a position.
     */
    private JoinResult joinWithHistory(Room room, Member member, AdmittedJoin admitted) {
        RoomName name = room.name();
        Optional<StreamPosition> since = admitted.since();
        long deadline = System.nanoTime() + HISTORY_WAIT.toNanos();
        // The reply, the missed messages and whatever else is queued must fit: more counts as not recovered.
        int limit = Math.max(0, config.sendQueueSize() - 2);
        HistoryRead read = readHistory(name, since, limit, deadline);
        if (read == null) {
            JoinResult result = joinOnLane(room, member, admitted.recovering(Recovery.unavailable(since.isPresent())));
            return result != null ? result : abandonJoin(room, JoinResult.Reason.BUSY);
        }
        Recovery recovery = new Recovery(since.isPresent(), read.recovered(), read.latest(), new ArrayList<>(read.missed()));
        AdmittedJoin recovering = admitted.recovering(recovery);
        long catchUpDeadline = catchUpDeadline(deadline);
        for (int reads = 1; ; ) {
            if (reads >= HISTORY_ROUNDS || System.nanoTime() - catchUpDeadline > 0) {
                recovery.force();
            }
            JoinResult result = joinOnLane(room, member, recovering);
            if (result != null) {
                return result;
            }
            StreamPosition seen = recovery.seen();
            if (seen.offset() < recovery.latest().offset()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // on its way from the history: a moment
                continue;
            }
            // Delivered here since the read: read what came after it, as one more part of the recovery.
            reads++;
            catchUpDeadline = catchUpDeadline(deadline);
            HistoryRead more = readHistory(name, Optional.of(recovery.latest()), limit - recovery.missedCount(), deadline);
            if (more == null || !more.recovered()) {
                recovery.giveUp(more == null ? seen : more.latest());
            } else {
                recovery.extend(more);
            }
        }
    }

    /** When a join stops waiting for the messages of its latest read: {@link #HISTORY_CATCH_UP} from now, at most {@code deadline}. */
    private static long catchUpDeadline(long deadline) {
        long now = System.nanoTime();
        return now + Math.min(deadline - now, HISTORY_CATCH_UP.toNanos());
    }

    /** The history's answer within the deadline, or null when it failed or took too long. */
    private HistoryRead readHistory(RoomName name, Optional<StreamPosition> since, int limit, long deadline) {
        try {
            long left = Math.max(1, deadline - System.nanoTime());
            return history.read(name, since, limit).toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.info("room {}: history unavailable for a join ({})", name.value(), e.getClass().getSimpleName());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * A join's view of a history room: the position its reply states and the missed messages it
     * sends. Written by the joiner's thread between lane steps and read by the lane step; each step
     * is handed over through the lane's queue and the joiner waits for it, so no two threads use it at once.
     */
    private static final class Recovery {
        private final boolean requested;
        private boolean recovered;
        /** Null when the history could not be read: the reply then states no position. */
        private StreamPosition latest;
        private final List<Frame> missed;
        private boolean forced;
        private StreamPosition seen;

        Recovery(boolean requested, boolean recovered, StreamPosition latest, List<Frame> missed) {
            this.requested = requested;
            this.recovered = recovered;
            this.latest = latest;
            this.missed = missed;
        }

        static Recovery unavailable(boolean requested) {
            Recovery r = new Recovery(requested, false, null, new ArrayList<>());
            r.forced = true;
            return r;
        }

        /**
         * On the lane: whether the join completes now, that is this node has delivered exactly up to
         * {@link #latest} (or the join was forced); records what it has. On completing, the reply's
         * position becomes where live delivery to the joiner starts whenever that is known, and a
         * forced join that this node's deliveries overtook is not recovered (those messages went by).
         */
        boolean inStepWith(StreamPosition delivered) {
            if (delivered == null && latest != null) {
                // The room had no position when this node subscribed and nothing came since: every one
                // of its messages is still to come here, as if this node were at 0.
                delivered = StreamPosition.of(0, latest.epoch());
            }
            seen = delivered;
            // In another epoch (the history was lost since), or the history unread: nothing to meet.
            boolean comparable = delivered != null && latest != null && delivered.sameEpoch(latest);
            if (!forced && comparable && delivered.offset() != latest.offset()) {
                return false;
            }
            if (comparable && delivered.offset() > latest.offset()) {
                recovered = false;
                missed.clear();
            }
            if (comparable && !recovered) {
                latest = delivered; // live messages after it still reach the joiner: the client must accept them
            }
            return true;
        }

        StreamPosition seen() {
            return seen;
        }

        StreamPosition latest() {
            return latest;
        }

        int missedCount() {
            return missed.size();
        }

        void force() {
            forced = true;
        }

        void extend(HistoryRead more) {
            missed.addAll(more.missed());
            latest = more.latest();
        }

        /** The gap cannot be filled: not recovered, stated at {@code position} (where live delivery starts). */
        void giveUp(StreamPosition position) {
            recovered = false;
            missed.clear();
            latest = position;
            forced = true;
        }

        /** Adds the history fields to a {@code joined} payload. */
        void describe(ObjectNode payload) {
            if (latest != null) {
                payload.put("offset", latest.offset()).put("epoch", latest.epoch());
            }
            if (requested) {
                payload.put("recovered", recovered);
            }
        }

        /** Queues the missed messages after the reply; false when one did not fit. */
        boolean sendMissed(Peer peer) {
            for (Frame frame : recovered ? missed : List.<Frame>of()) {
                if (!peer.trySend(frame)) {
                    return false;
                }
            }
            return true;
        }
    }

    // ---- introspection -------------------------------------------------------------------------

    /** Members of {@code room} now (0 when the room does not exist). */
    public int roomCount(RoomName room) {
        Room r = rooms.get(room);
        return r == null ? 0 : r.memberMap().size();
    }

    /** Connection×room memberships over the hub. */
    @Override
    public int registrationCount() {
        return registrations.get();
    }

    /** Connected peers, each counted once however many rooms it is in. */
    @Override
    public int activeConnectionCount() {
        return members.size();
    }

    /** The rooms that have members now. */
    public Set<RoomName> rooms() {
        return new TreeSet<>(rooms.keySet());
    }

    /** The members of {@code room} now, sorted by subject then connection id. */
    public List<RoomMember> members(RoomName room) {
        Room r = rooms.get(room);
        return r == null ? List.of() : memberList(r);
    }

    /** The rooms {@code connection} is in now. */
    public Set<RoomName> roomsOf(ConnectionId connection) {
        Member m = members.get(connection);
        return m == null ? Set.of() : m.rooms();
    }

    /**
     * Whether {@code connection} may publish to {@code room}: false when its last join of the room was
     * granted {@link RoomAccess#SUBSCRIBE} only (or it is not connected). Says nothing about membership:
     * ask {@link #isInRoom} first. Takes no lock; for each publish.
     */
    public boolean mayPublish(ConnectionId connection, RoomName room) {
        Member m = members.get(connection);
        return m != null && m.mayPublish(room);
    }

    /** Whether {@code connection} is in {@code room} now: {@link #roomsOf} without building the set, for each publish. */
    public boolean isInRoom(ConnectionId connection, RoomName room) {
        Member m = members.get(connection);
        if (m == null) {
            return false;
        }
        for (RoomName name : m.roomsNow()) {
            if (name.equals(room)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code room} is fanned out per writer thread: the one place the threshold is applied. */
    private static boolean isLarge(Room room) {
        return room.memberMap().size() >= SHARDED_FANOUT_MIN_MEMBERS;
    }

    /** Broadcast jobs waiting for a worker. */
    @Override
    public int queuedBroadcastJobs() {
        return lanes.queuedJobs();
    }

    /** Rooms that have members now. */
    @Override
    public int activeRoomCount() {
        return rooms.size();
    }

    @Override
    public IntStream roomMemberCounts() {
        return rooms.values().stream().mapToInt(r -> r.memberMap().size()).filter(n -> n > 0);
    }

    @Override
    public boolean isAcceptingConnections() {
        return state == State.RUNNING;
    }

    /** Whether the hub still accepts connections, joins and broadcasts. */
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    /**
     * Shuts down gracefully, with fresh randomness for the jitter; see
     * {@link #shutdown(Duration, RandomGenerator)}.
     */
    public ShutdownResult shutdown(Duration deadline) {
        return shutdown(deadline, RandomGenerator.of("L64X128MixRandom"));
    }

    /**
     * Shuts down gracefully: refuses new connections, joins and broadcasts; sends every member a
     * {@code shutdown} event whose {@code reconnectAfterMs} tells it when to reconnect; closes the
     * members with 1001 in {@code shutdownBatches} batches spread, with jitter, over the first
     * {@code shutdownSpread} of {@code deadline} (each member's close waits until its queue has
     * drained); waits until all have gone or {@code deadline} passes; closes whoever is left; then
     * {@link #stop()}s. Blocks the calling thread for up to {@code deadline} (less once every member
     * has gone). Idempotent: a second call only waits (up to its own deadline) for the first to
     * finish its part, and reports nothing notified or forced.
     *
     * @param jitter where the batches' jitter, the order of members in batches and the reconnect hints
     *               come from (seed it for a repeatable shutdown)
     */
    public ShutdownResult shutdown(Duration deadline, RandomGenerator jitter) {
        Objects.requireNonNull(jitter, "jitter");
        long started = System.nanoTime();
        long end = started + deadline.toNanos();
        boolean first;
        synchronized (this) {
            first = state == State.RUNNING;
            if (first) {
                state = State.SHUTTING_DOWN;
            }
        }
        if (first) {
            busSafely(bus::stopping); // the members closed from here on are announced by the other nodes
        }
        if (!first) {
            awaitStopped(end);
            return new ShutdownResult(0, 0);
        }
        List<Member> everyone = new ArrayList<>(members.values());
        DrainPlan plan = DrainPlan.of(everyone.size(), deadline, config.shutdownBatches(), config.shutdownSpread(),
                config.shutdownReconnectWindow(), jitter);
        for (int i = 0; i < everyone.size(); i++) {
            // Each member has its own hint, so each gets its own frame; never wait on a full queue
            // here: a slow member still gets its 1001 after draining.
            everyone.get(i).peer().trySend(codec.encode(Envelope.of("shutdown", codec.mapper().createObjectNode()
                    .put("reason", "server shutting down").put("reconnectAfterMs", plan.reconnectAfterMs(i)))));
        }
        List<List<Member>> batches = new ArrayList<>(plan.batchCount());
        for (int b = 0; b < plan.batchCount(); b++) {
            batches.add(new ArrayList<>());
        }
        for (int i = 0; i < everyone.size(); i++) {
            batches.get(plan.batchOf(i)).add(everyone.get(i));
        }
        CloseReason goingAway = CloseReason.of(CloseCode.GOING_AWAY, "server shutting down");
        for (int b = 0; b < batches.size(); b++) {
            if (!awaitEmpty(Math.min(end, started + plan.batchStart(b).toNanos()))) {
                break; // everyone has gone already (their own close, or stop())
            }
            for (Member m : batches.get(b)) {
                m.peer().closeAfterDrain(goingAway);
            }
        }
        awaitEmpty(end);
        int forced = 0;
        for (Member m : members.values()) {
            m.peer().close(goingAway);
            forced++;
        }
        stop();
        return new ShutdownResult(everyone.size(), forced);
    }

    /** Waits until no member is left or {@code endNanos} passes; true if members are still connected. */
    private boolean awaitEmpty(long endNanos) {
        emptyLock.lock();
        try {
            while (!members.isEmpty()) {
                long left = endNanos - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                becameEmpty.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !members.isEmpty();
        } finally {
            emptyLock.unlock();
        }
    }

    private void awaitStopped(long endNanos) {
        try {
            stopped.await(Math.max(0, endNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops now: refuses everything, ends the broadcast workers (queued broadcasts complete as
     * stopped; BLOCK waits end at once) and closes every remaining member with 1001. Idempotent and
     * prompt.
     */
    public void stop() {
        synchronized (this) {
            if (state == State.STOPPED) {
                return;
            }
            state = State.STOPPED;
        }
        busSafely(bus::stopping);
        lanes.stop(1_000);
        CloseReason goingAway = CloseReason.of(CloseCode.GOING_AWAY, "server stopped");
        for (Member m : members.values()) {
            m.peer().close(goingAway);
        }
        try {
            bus.close();
        } catch (RuntimeException e) {
            log.warn("closing the cluster bus failed", e);
        }
        if (history != null) {
            try {
                history.close();
            } catch (RuntimeException e) {
                log.warn("closing the room history failed", e);
            }
        }
        stopped.countDown();
    }

    /**
     * What {@link #shutdown} did.
     *
     * @param notified members sent the shutdown notice
     * @param forced   members still connected at the deadline and closed without draining
     */
    public record ShutdownResult(int notified, int forced) {
    }

    /** A bus's presence hook runs under a room's lock: its failure must not undo or break the membership change. */
    private static void busSafely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("the cluster bus failed to record a presence change", e);
        }
    }

    private static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("a hub listener failed", e);
        }
    }
}
