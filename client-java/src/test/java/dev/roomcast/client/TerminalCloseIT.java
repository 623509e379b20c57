package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ends that reconnecting would not fix stop the client for good, against the real server. */
@Timeout(60)
class TerminalCloseIT {
    private static final Backoff FAST = Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100), 2);

    private final List<RoomcastServer> servers = new ArrayList<>();
    private final List<RoomcastClient> clients = new ArrayList<>();

    @AfterEach
    void stopAll() {
        clients.forEach(RoomcastClient::close);
        servers.forEach(RoomcastServer::stop);
    }

    private RoomcastServer server(int port, RoomcastConfig config, RoomAuthorizer rooms) {
        RoomcastServer s = ServerOnPort.start(port, config, EventRouter.empty(), rooms);
        servers.add(s);
        return s;
    }

    private RoomcastClient client(int port, String token, Recorder recorder, AtomicInteger asked) {
        RoomcastClient c = RoomcastClient.builder(ServerOnPort.uri(port))
                .tokenSupplier(() -> {
                    asked.incrementAndGet();
                    return token;
                })
                .router(recorder.router()).stateListener(recorder).backoff(FAST).maxReconnectAttempts(50).build();
        clients.add(c);
        return c;
    }

    @Test
    void anInvalidTokenRefusedWith401AtTheUpgradeClosesTheClientWithoutRetrying() throws Exception {
        int port = ServerOnPort.freePort();
        server(port, RoomcastConfig.defaults(), RoomAuthorizer.allowAll());
        Recorder r = new Recorder();
        AtomicInteger asked = new AtomicInteger();
        RoomcastClient client = client(port, "forged", r, asked);

        assertThatThrownBy(() -> client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(DisconnectedException.class);

        Disconnect why = r.awaitState(ClientState.CLOSED, 0).cause().orElseThrow();
        assertThat(why.httpStatus()).contains(401);
        assertThat(why.reason()).isEqualTo("INVALID_TOKEN");
        assertThat(why.terminal()).isTrue();
        assertThat(asked.get()).isEqualTo(1);
        assertThat(r.changes()).extracting(Recorder.Change::state).containsExactly(ClientState.CONNECTING, ClientState.CLOSED);
    }

    @Test
    void aServerThatIsFullAnswers503AndTheClientKeepsTrying() throws Exception {
        int port = ServerOnPort.freePort();
        server(port, RoomcastConfig.builder().maxConnections(1).build(), RoomAuthorizer.allowAll());
        RoomcastClient first = client(port, "valid:alice", new Recorder(), new AtomicInteger());
        first.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        Recorder r = new Recorder();
        RoomcastClient second = client(port, "valid:bob", r, new AtomicInteger());
        second.connect();

        Disconnect why = r.awaitState(ClientState.RECONNECTING, 1).cause().orElseThrow();
        assertThat(why.httpStatus()).contains(503);
        assertThat(why.terminal()).isFalse();
        first.close();
        r.awaitState(ClientState.OPEN, 0);
    }

    @Test
    void aRoomForbiddenOnRejoinAfterAReconnectClosesTheClient() throws Exception {
        int port = ServerOnPort.freePort();
        RoomcastServer first = server(port, RoomcastConfig.defaults(), RoomAuthorizer.allowAll());
        Recorder r = new Recorder();
        RoomcastClient client = client(port, "valid:alice", r, new AtomicInteger());
        client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        client.join("vip").toCompletableFuture().get(5, TimeUnit.SECONDS);

        first.stop();
        server(port, RoomcastConfig.defaults(), request -> request.room().value().equals("vip")
                ? RoomDecision.forbidden("vip is closed now") : RoomDecision.allowed());

        Disconnect why = r.awaitState(ClientState.CLOSED, 0).cause().orElseThrow();
        assertThat(why.reason()).contains("vip").contains("ROOM_FORBIDDEN");
        assertThat(why.terminal()).isTrue();
        assertThat(r.changes()).extracting(Recorder.Change::state)
                .containsSubsequence(ClientState.OPEN, ClientState.RECONNECTING, ClientState.OPEN, ClientState.CLOSED);
    }

    @Test
    void aPolicyClose1008ForExceedingTheInboundRateIsTerminal() throws Exception {
        int port = ServerOnPort.freePort();
        server(port, RoomcastConfig.builder().inboundRatePerSecond(1).inboundBurst(2).build(), RoomAuthorizer.allowAll());
        Recorder r = new Recorder();
        AtomicInteger asked = new AtomicInteger();
        RoomcastClient client = client(port, "valid:alice", r, asked);
        client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 5; i++) {
            client.send("chatter", Map.of("n", i));
        }

        Disconnect why = r.awaitState(ClientState.CLOSED, 0).cause().orElseThrow();
        assertThat(why.closeCode()).isEqualTo(1008);
        assertThat(why.terminal()).isTrue();
        assertThat(asked.get()).isEqualTo(1);
    }
}
