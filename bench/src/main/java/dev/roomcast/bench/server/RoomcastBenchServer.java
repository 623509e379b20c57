package dev.roomcast.bench.server;

import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.HubListener;
import dev.roomcast.core.RoomName;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.InProcessClusterBus;
import dev.roomcast.hub.PresencePolicy;
import java.util.concurrent.atomic.LongAdder;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.util.List;
import java.util.Optional;

/**
 * Roomcast as an application would run it: HS256 tokens verified at the upgrade, rooms joined with
 * {@code ?room=}, {@code publish} broadcast by the hub. Only the limits a load test would trip are
 * raised (the per-connection inbound rate, since one publisher sends thousands of messages a second);
 * presence is off by default because the baselines have no equivalent (with it on, N joins cost N²/2
 * presence frames before the measurement starts).
 */
final class RoomcastBenchServer implements BenchServer {
    private final RoomcastServer server;
    private final Hub hub;
    private final Counters counters = new Counters();

    /** What broadcasts did at members' queues: tells a client-side loss apart (queue full, job queue full). */
    private static final class Counters implements HubListener {
        final LongAdder broadcasts = new LongAdder();
        final LongAdder attempted = new LongAdder();
        final LongAdder enqueued = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final LongAdder closed = new LongAdder();
        final LongAdder rejected = new LongAdder();

        @Override
        public void onBroadcast(RoomName room, BroadcastResult r, long durationNanos) {
            broadcasts.increment();
            attempted.add(r.attempted());
            enqueued.add(r.enqueued());
            timedOut.add(r.timedOut());
            dropped.add(r.dropped());
            closed.add(r.closed());
            if (r.rejected().isPresent()) {
                rejected.increment();
            }
        }
    }

    RoomcastBenchServer(String host, int port, byte[] secret, SendBehavior behavior, int sendQueueSize, boolean presence) {
        RoomcastConfig config = RoomcastConfig.builder()
                .host(host)
                .port(port)
                .tokenSecret(secret)
                .sendBehavior(behavior)
                .sendQueueSize(sendQueueSize)
                .presenceEnabled(presence)
                .inboundRatePerSecond(1_000_000)
                .inboundBurst(1_000_000)
                .build();
        EnvelopeCodec codec = EnvelopeCodec.of(config);
        this.hub = new Hub(config, codec, Clock.system(), List.of(counters), new InProcessClusterBus(),
                PresencePolicy.always(config.presenceEnabled()));
        this.server = new RoomcastServer(config, hub, codec, EventRouter.empty(), Optional.of(new Hs256TokenAuthenticator(secret)),
                RoomAuthorizer.allowAll(), Optional.empty(), List.of(), List.of(), Clock.system()).start();
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public int connections() {
        return hub.activeConnectionCount();
    }

    @Override
    public String counters() {
        return "{\"broadcasts\":" + counters.broadcasts.sum() + ",\"attempted\":" + counters.attempted.sum()
                + ",\"enqueued\":" + counters.enqueued.sum() + ",\"timedOut\":" + counters.timedOut.sum()
                + ",\"dropped\":" + counters.dropped.sum() + ",\"closed\":" + counters.closed.sum()
                + ",\"rejectedBroadcasts\":" + counters.rejected.sum() + "}";
    }

    @Override
    public void stop() {
        server.stop();
    }
}
