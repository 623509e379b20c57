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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One test's port on 127.0.0.1 and what runs on it: real {@link RoomcastServer}s started one after
 * another on the same port (so a client can reconnect to the next one after the first is stopped),
 * and the clients of them; {@link #close()} closes the clients, then stops every server. Tokens are
 * {@link FakeTokens} ({@code valid:SUBJECT}). The static methods start a single server for tests that
 * need no restart. The test kit offers the same to teams (RoomcastTestServer.restart), but it is
 * built on this module, so this module's tests cannot use it.
 */
final class ServerOnPort implements AutoCloseable {
    private final int port;
    /** Owned by the test's thread: every server started here, stopped by {@link #close()}. */
    private final List<RoomcastServer> servers = new ArrayList<>();
    /** Owned by the test's thread: every client built here, closed by {@link #close()}. */
    private final List<RoomcastClient> clients = new ArrayList<>();

    private ServerOnPort(int port) {
        this.port = port;
    }

    /** Reserves a free port for one test; nothing listens on it until {@link #start()}. */
    static ServerOnPort reserve() throws IOException {
        return new ServerOnPort(freePort());
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

    /** This port's {@code ws://127.0.0.1:port/ws}. */
    URI uri() {
        return uri(port);
    }

    /** Starts a server with the defaults on this port (the previous one must be stopped). */
    RoomcastServer start() {
        return start(RoomcastConfig.defaults(), RoomAuthorizer.allowAll());
    }

    /** Starts a server for {@code config} and {@code rooms} on this port (the previous one must be stopped). */
    RoomcastServer start(RoomcastConfig config, RoomAuthorizer rooms) {
        RoomcastServer s = start(port, config, EventRouter.empty(), rooms);
        servers.add(s);
        return s;
    }

    /**
     * A client of this port, not connected yet, recording into {@code recorder}, that sends {@code token}
     * on every attempt and counts the attempts in {@code asked}.
     */
    RoomcastClient client(String token, Recorder recorder, AtomicInteger asked, Backoff backoff, int maxReconnectAttempts) {
        RoomcastClient c = RoomcastClient.builder(uri())
                .tokenSupplier(() -> {
                    asked.incrementAndGet();
                    return token;
                })
                .router(recorder.router()).stateListener(recorder).backoff(backoff).maxReconnectAttempts(maxReconnectAttempts)
                .build();
        clients.add(c);
        return c;
    }

    /** Closes every client built here, then stops every server started here. */
    @Override
    public void close() {
        clients.forEach(RoomcastClient::close);
        servers.forEach(RoomcastServer::stop);
    }
}
