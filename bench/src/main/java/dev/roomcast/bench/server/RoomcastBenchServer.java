package dev.roomcast.bench.server;

import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.Hub;
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
        this.hub = Hub.create(config, codec, Clock.system());
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
    public void stop() {
        server.stop();
    }
}
