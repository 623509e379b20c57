package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.core.Envelope;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reconnecting against the real server: it is stopped (or shut down gracefully) and a new one is
 * started on the same port; the client comes back, with a fresh token, and is in its rooms again.
 */
@Timeout(60)
class ReconnectIT {
    private static final Backoff FAST = Backoff.of(Duration.ofMillis(20), Duration.ofMillis(200), 2);

    private final List<RoomcastServer> servers = new ArrayList<>();
    private final List<RoomcastClient> clients = new ArrayList<>();

    @AfterEach
    void stopAll() {
        clients.forEach(RoomcastClient::close);
        servers.forEach(RoomcastServer::stop);
    }

    private RoomcastServer server(int port) {
        RoomcastServer s = ServerOnPort.start(port);
        servers.add(s);
        return s;
    }

    private RoomcastClient client(int port, String subject, Recorder recorder, AtomicInteger tokensAsked) {
        RoomcastClient c = RoomcastClient.builder(ServerOnPort.uri(port))
                .tokenSupplier(() -> {
                    tokensAsked.incrementAndGet();
                    return "valid:" + subject;
                })
                .router(recorder.router()).stateListener(recorder).backoff(FAST).maxReconnectAttempts(100)
                .build();
        clients.add(c);
        return c;
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientWhoseServerIsKilledAndRestartedOnTheSamePortReconnectsAndIsInItsRoomsAgain() throws Exception {
        int port = ServerOnPort.freePort();
        RoomcastServer first = server(port);
        Recorder alice = new Recorder();
        AtomicInteger tokens = new AtomicInteger();
        RoomcastClient client = client(port, "alice", alice, tokens);
        await(client.connect());
        await(client.join("lobby"));
        await(client.join("news"));

        first.stop();
        Recorder.Change lost = alice.awaitState(ClientState.RECONNECTING, 0);
        assertThat(lost.cause().orElseThrow().closeCode()).isEqualTo(1001);
        assertThat(lost.cause().orElseThrow().terminal()).isFalse();
        server(port);

        alice.awaitState(ClientState.OPEN, 1);
        // The rejoins are written first after the open: once both joined replies arrived, bob's publish reaches alice.
        alice.awaitEvent("joined", e -> e.room().orElseThrow().equals("news") && e.id().orElseThrow().startsWith("r"));
        Recorder bobEvents = new Recorder();
        RoomcastClient bob = client(port, "bob", bobEvents, new AtomicInteger());
        await(bob.connect());
        await(bob.join("news"));
        await(bob.publish("news", Map.of("text", "after the restart")));

        Envelope message = alice.awaitEvent("message", e -> true);
        assertThat(message.from()).contains("bob");
        assertThat(message.payload().path("text").asText()).isEqualTo("after the restart");
        assertThat(client.rooms()).containsExactly("lobby", "news");
        assertThat(tokens.get()).as("the token supplier is asked on every connect").isGreaterThanOrEqualTo(2);
        assertThat(client.state()).isEqualTo(ClientState.OPEN);
    }

    @Test
    void whileTheServerIsDownTheClientKeepsTryingAndPublishesQueuedMeanwhileArriveAfterTheRestart() throws Exception {
        int port = ServerOnPort.freePort();
        RoomcastServer first = server(port);
        Recorder alice = new Recorder();
        RoomcastClient client = client(port, "alice", alice, new AtomicInteger());
        await(client.connect());
        await(client.join("lobby"));
        first.stop();
        alice.awaitState(ClientState.RECONNECTING, 2); // at least two refused TCP connects after the 1001
        var queued = client.publish("lobby", Map.of("text", "written while down")).toCompletableFuture();
        assertThat(queued).isNotDone();

        server(port);

        await(queued);
        assertThat(alice.awaitEvent("message", e -> true).payload().path("text").asText()).isEqualTo("written while down");
        assertThat(alice.changes().stream().filter(c -> c.state() == ClientState.RECONNECTING).skip(1).findFirst()
                .orElseThrow().cause().orElseThrow().httpStatus()).as("a refused TCP connect is no HTTP refusal").isEmpty();
    }

    @Test
    void afterAGracefulShutdownTheClientWaitsTheServersReconnectHintBeforeReconnecting() throws Exception {
        int port = ServerOnPort.freePort();
        RoomcastConfig config = RoomcastConfig.builder().shutdownReconnectWindow(Duration.ofMillis(800)).build();
        RoomcastServer first = ServerOnPort.start(port, config, EventRouter.empty(), RoomAuthorizer.allowAll());
        servers.add(first);
        Recorder alice = new Recorder();
        RoomcastClient client = client(port, "alice", alice, new AtomicInteger());
        await(client.connect());
        await(client.join("lobby"));

        first.shutdown(Duration.ofSeconds(2), RandomGenerator.of("L64X128MixRandom"));
        Envelope shutdown = alice.awaitEvent("shutdown", e -> true);
        long hintMs = shutdown.payload().path("reconnectAfterMs").asLong(-1);
        assertThat(hintMs).isNotNegative();
        assertThat(alice.awaitState(ClientState.RECONNECTING, 0).cause().orElseThrow().closeCode()).isEqualTo(1001);
        server(port);

        long reopenedAt = alice.awaitState(ClientState.OPEN, 1).nanos();
        // The hint counts from the event; the backoff alone (20 ms) would have come back long before it.
        assertThat(TimeUnit.NANOSECONDS.toMillis(reopenedAt - alice.arrivalNanos(shutdown))).isGreaterThanOrEqualTo(hintMs);
        alice.awaitEvent("joined", e -> e.id().orElse("").startsWith("r"));
    }
}
