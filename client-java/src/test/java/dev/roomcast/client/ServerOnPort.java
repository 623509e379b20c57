package dev.roomcast.client;

import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Starts the real {@link RoomcastServer} on 127.0.0.1 at a chosen port, so a test can stop it and start
 * another on the same port for a client to reconnect to. Tokens are {@link FakeTokens} ({@code valid:SUBJECT}).
 */
final class ServerOnPort {
    private ServerOnPort() {
    }

    /** A port that was free a moment ago on 127.0.0.1 (port 0 asked of the OS, then released). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static RoomcastServer start(int port) {
        return start(port, RoomcastConfig.defaults(), EventRouter.empty(), RoomAuthorizer.allowAll());
    }

    static RoomcastServer start(int port, RoomcastConfig config, EventRouter router, RoomAuthorizer rooms) {
        RoomcastConfig c = config.toBuilder().host("127.0.0.1").port(port).build();
        EnvelopeCodec codec = EnvelopeCodec.of(c);
        Hub hub = Hub.create(c, codec, Clock.system());
        return new RoomcastServer(c, hub, codec, router, Optional.of(new FakeTokens()), rooms, Optional.empty(),
                List.of(), List.of(), Clock.system()).start();
    }

    static URI uri(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }
}
