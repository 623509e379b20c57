package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.transport.undertow.RoomcastServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The outgoing buffer while no server listens: at most {@code outgoingBufferSize} messages wait, the
 * policy decides about one more, and what waited is written once a real server appears on the port.
 */
@Timeout(60)
class OutgoingBufferIT {
    private RoomcastServer server;
    private RoomcastClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    private RoomcastClient disconnectedClient(int port, int size, OverflowPolicy policy, Recorder r) {
        client = RoomcastClient.builder(ServerOnPort.uri(port)).tokenSupplier(() -> "valid:alice")
                .router(r.router()).stateListener(r).outgoingBuffer(size, policy)
                .backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100), 2)).maxReconnectAttempts(200).build();
        client.connect();
        r.awaitState(ClientState.RECONNECTING, 0); // nobody listens on the port yet
        return client;
    }

    private static Throwable failureNow(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.getNow(null);
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void failNewRefusesTheMessageOverTheLimitAndWritesTheOthersOnceConnected() throws Exception {
        int port = ServerOnPort.freePort();
        Recorder r = new Recorder();
        RoomcastClient c = disconnectedClient(port, 2, OverflowPolicy.FAIL_NEW, r);
        var join = c.join("lobby").toCompletableFuture();
        var first = c.publish("lobby", Map.of("n", 1)).toCompletableFuture();
        var over = c.publish("lobby", Map.of("n", 2)).toCompletableFuture();

        assertThat(failureNow(over)).isInstanceOf(OutgoingBufferFullException.class);
        assertThat(join).isNotDone();
        server = ServerOnPort.start(port);

        assertThat(await(join).type()).isEqualTo("joined");
        await(first);
        assertThat(r.awaitEvent("message", e -> true).payload().path("n").asInt()).isEqualTo(1);
    }

    @Test
    void failNewAtTheLimitStillAcceptsTheLastMessageThatFits() throws Exception {
        Recorder r = new Recorder();
        RoomcastClient c = disconnectedClient(ServerOnPort.freePort(), 2, OverflowPolicy.FAIL_NEW, r);
        var a = c.join("a").toCompletableFuture();
        var b = c.join("b").toCompletableFuture();
        assertThat(a).isNotDone();
        assertThat(b).isNotDone();
    }

    @Test
    void dropOldestFailsTheOldestWaitingMessageToMakeRoomForTheNewOne() throws Exception {
        int port = ServerOnPort.freePort();
        Recorder r = new Recorder();
        RoomcastClient c = disconnectedClient(port, 2, OverflowPolicy.DROP_OLDEST, r);
        var oldest = c.join("old").toCompletableFuture();
        var middle = c.join("lobby").toCompletableFuture();
        var newest = c.publish("lobby", Map.of("n", 3)).toCompletableFuture();

        assertThat(failureNow(oldest)).isInstanceOf(OutgoingBufferFullException.class);
        server = ServerOnPort.start(port);

        assertThat(await(middle).room()).contains("lobby");
        await(newest);
        assertThat(c.rooms()).containsExactly("lobby");
    }

    @Test
    void aBufferedRequestStillTimesOutCountedFromTheCall() throws Exception {
        Recorder r = new Recorder();
        client = RoomcastClient.builder(ServerOnPort.uri(ServerOnPort.freePort())).tokenSupplier(() -> "valid:alice")
                .stateListener(r).replyTimeout(Duration.ofMillis(200))
                .backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100), 2)).maxReconnectAttempts(200).build();
        client.connect();
        var join = client.join("lobby").toCompletableFuture();
        try {
            join.get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a timeout");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(java.util.concurrent.TimeoutException.class);
        }
    }
}
