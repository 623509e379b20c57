package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ends that reconnecting would not fix stop the client for good, against the real server. */
@Timeout(60)
class TerminalCloseIT {
    private static final Backoff FAST = Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100), 2);

    private ServerOnPort port;

    @BeforeEach
    void reserve() throws Exception {
        port = ServerOnPort.reserve();
    }

    @AfterEach
    void stopAll() {
        port.close();
    }

    private RoomcastClient client(String token, Recorder recorder, AtomicInteger asked) {
        return port.client(token, recorder, asked, FAST, 50);
    }

    @Test
    void anInvalidTokenRefusedWith401AtTheUpgradeClosesTheClientWithoutRetrying() throws Exception {
        port.start(RoomcastConfig.defaults(), RoomAuthorizer.allowAll());
        Recorder r = new Recorder();
        AtomicInteger asked = new AtomicInteger();
        RoomcastClient client = client("forged", r, asked);

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
        port.start(RoomcastConfig.builder().maxConnections(1).build(), RoomAuthorizer.allowAll());
        RoomcastClient first = client("valid:alice", new Recorder(), new AtomicInteger());
        first.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        Recorder r = new Recorder();
        RoomcastClient second = client("valid:bob", r, new AtomicInteger());
        second.connect();

        Disconnect why = r.awaitState(ClientState.RECONNECTING, 1).cause().orElseThrow();
        assertThat(why.httpStatus()).contains(503);
        assertThat(why.terminal()).isFalse();
        first.close();
        r.awaitState(ClientState.OPEN, 0);
    }

    @Test
    void aRoomForbiddenOnRejoinAfterAReconnectClosesTheClient() throws Exception {
        RoomcastServer first = port.start(RoomcastConfig.defaults(), RoomAuthorizer.allowAll());
        Recorder r = new Recorder();
        RoomcastClient client = client("valid:alice", r, new AtomicInteger());
        client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        client.join("vip").toCompletableFuture().get(5, TimeUnit.SECONDS);

        first.stop();
        port.start(RoomcastConfig.defaults(), request -> request.room().value().equals("vip")
                ? RoomDecision.forbidden("vip is closed now") : RoomDecision.allowed());

        Disconnect why = r.awaitState(ClientState.CLOSED, 0).cause().orElseThrow();
        assertThat(why.reason()).contains("vip").contains("ROOM_FORBIDDEN");
        assertThat(why.terminal()).isTrue();
        assertThat(r.changes()).extracting(Recorder.Change::state)
                .containsSubsequence(ClientState.OPEN, ClientState.RECONNECTING, ClientState.OPEN, ClientState.CLOSED);
    }

    @Test
    void aPolicyClose1008ForExceedingTheInboundRateIsTerminal() throws Exception {
        port.start(RoomcastConfig.builder().inboundRatePerSecond(1).inboundBurst(2).build(), RoomAuthorizer.allowAll());
        Recorder r = new Recorder();
        AtomicInteger asked = new AtomicInteger();
        RoomcastClient client = client("valid:alice", r, asked);
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
