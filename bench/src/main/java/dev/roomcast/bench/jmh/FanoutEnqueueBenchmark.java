package dev.roomcast.bench.jmh;

import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.ClusterBus;
import dev.roomcast.core.ConnectionId;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.Frame;
import dev.roomcast.core.Identity;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendResult;
import dev.roomcast.core.WriterThread;
import dev.roomcast.core.CloseReason;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.JoinResult;
import dev.roomcast.hub.PresencePolicy;
import dev.roomcast.hub.SendQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hub's fan-out enqueue path for one room of 1, 100 and 10,000 members: {@code deliver} offers
 * one shared frame to every member's real {@link SendQueue}. The hub's local delivery is called
 * directly (captured from the {@link ClusterBus} it subscribes to), so the numbers hold no thread
 * hop and no encoding; {@code broadcastRoom} measures the whole call (encode once, lane hand-off,
 * fan-out) for comparison. After each operation the queues are drained into a reused list, as the
 * writers would, so they never fill; with {@code -prof gc}, {@code gc.alloc.rate.norm} divided by
 * the member count is the allocation per recipient.
 *
 * <p>{@code path} chooses how the members are written: {@code lane}, peers without a writer thread
 * (the lane offers to each member, as for every room under {@code Hub.SHARDED_FANOUT_MIN_MEMBERS}),
 * or {@code writer-thread}, peers whose writer thread runs the hub's task at once on the calling
 * thread, so a room of 100 or 10,000 takes the per-writer-thread path ({@code ShardedFanout}) without
 * a thread hop in the measurement (its completion still hops to a lane runner).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class FanoutEnqueueBenchmark {
    @Param({"1", "100", "10000"})
    public int members;

    @Param({"lane", "writer-thread"})
    public String path;

    /** A writer thread that runs the hub's task right away on the caller's thread. */
    private static final WriterThread RUN_HERE = task -> {
        task.run();
        return true;
    };

    private Hub hub;
    private ClusterBus.Subscriber localDelivery;
    private final RoomName room = RoomName.of("bench");
    private Frame frame;
    private Envelope envelope;
    private final List<QueuePeer> peers = new ArrayList<>();
    private final List<Frame> drained = new ArrayList<>(1024);

    /** A peer as the transport makes one: a bounded queue whose writer is woken, here without a socket. */
    static final class QueuePeer implements Peer {
        private final ConnectionId id;
        private final Identity identity;
        final SendQueue queue;
        private final Optional<WriterThread> writerThread;

        QueuePeer(int i, RoomcastConfig config, Optional<WriterThread> writerThread) {
            this.writerThread = writerThread;
            this.id = ConnectionId.of("c" + i);
            this.identity = Identity.anonymous(id);
            this.queue = new SendQueue(config.sendQueueSize(), config.sendBehavior(), config.sendTimeout(), () -> { });
        }

        @Override
        public ConnectionId id() {
            return id;
        }

        @Override
        public Identity identity() {
            return identity;
        }

        @Override
        public SendResult send(Frame f) {
            return queue.offer(f, true);
        }

        @Override
        public Optional<WriterThread> writerThread() {
            return writerThread;
        }

        @Override
        public boolean trySend(Frame f) {
            return queue.tryOffer(f);
        }

        @Override
        public void close(CloseReason reason) {
            queue.close();
        }

        @Override
        public void closeAfterDrain(CloseReason reason) {
            queue.close();
        }

        @Override
        public boolean isOpen() {
            return !queue.isClosed();
        }
    }

    /** The in-process bus, keeping a handle on the hub's local delivery. */
    final class CapturingBus implements ClusterBus {
        @Override
        public void subscribe(Subscriber subscriber) {
            localDelivery = subscriber;
        }

        @Override
        public java.util.concurrent.CompletionStage<BroadcastResult> publish(RoomName r, Frame f, Optional<ConnectionId> excluded) {
            return localDelivery.deliver(r, f, excluded);
        }

        @Override
        public void close() {
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        RoomcastConfig config = RoomcastConfig.builder().presenceEnabled(false)
                .joinRatePerSecond(1_000_000).joinBurst(1_000_000).build();
        EnvelopeCodec codec = EnvelopeCodec.of(config);
        hub = new Hub(config, codec, Clock.system(), List.of(), new CapturingBus(), PresencePolicy.always(false));
        long joinStart = System.nanoTime();
        for (int i = 0; i < members; i++) {
            QueuePeer p = new QueuePeer(i, config, path.equals("lane") ? Optional.empty() : Optional.of(RUN_HERE));
            hub.tryConnect(p);
            if (!(hub.tryJoin(p, room.value(), Optional.empty()) instanceof JoinResult.Joined)) {
                throw new IllegalStateException("join " + i + " refused");
            }
            drain(p);
            peers.add(p);
        }
        // Joining is not what this measures, but its cost grows with the room (the joined reply lists every member).
        System.err.printf("setup: %d joins into one room took %.1f s%n", members, (System.nanoTime() - joinStart) / 1e9);
        envelope = ((dev.roomcast.core.DecodeResult.Decoded) codec.decode(EnvelopeCodecBenchmark.PUBLISH)).envelope();
        envelope = Envelope.toRoom("message", room, envelope.payload()).withFrom("publisher");
        frame = codec.encode(envelope);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hub.stop();
    }

    private void drain(QueuePeer p) {
        while (p.queue.drainTo(drained, 1024, Long.MAX_VALUE) > 0) {
            drained.clear();
        }
    }

    /** Fan-out alone: one shared frame offered to every member's queue (then drained). */
    @Benchmark
    public BroadcastResult deliverToRoom() {
        // On the lane path the result is already complete; on the writer-thread path it completes on a lane runner.
        BroadcastResult r = localDelivery.deliver(room, frame, Optional.empty()).toCompletableFuture().join();
        for (int i = 0; i < peers.size(); i++) {
            drain(peers.get(i));
        }
        return r;
    }

    /** The whole broadcast: encode once, hand to the room's lane, fan out; waits for the result. */
    @Benchmark
    public BroadcastResult broadcastRoom() {
        BroadcastResult r = hub.broadcastRoom(room, envelope, Optional.empty()).join();
        for (int i = 0; i < peers.size(); i++) {
            drain(peers.get(i));
        }
        return r;
    }
}
