package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each request's stage completes on its own reply or fails on its own error, against the real server. */
@Timeout(60)
class CorrelationIT {
    private record Echo(String text) {
    }

    /** Released at the end of each test, so a handler that waits never outlives it. */
    private final CountDownLatch release = new CountDownLatch(1);
    /** Counted down when a stalling handler has started, so the request is known to be written. */
    private final CountDownLatch stalling = new CountDownLatch(1);
    private RoomcastServer server;
    private final List<RoomcastClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        EventRouter router = EventRouter.builder()
                .on("echo", Echo.class, (ctx, echo) -> ctx.reply("echoed", Map.of("text", echo.text())))
                .on("stall", Echo.class, (ctx, echo) -> {
                    stalling.countDown();
                    release.await(10, TimeUnit.SECONDS);
                })
                .build();
        RoomAuthorizer rooms = request -> switch (request.room().value()) {
            case "vip" -> RoomDecision.forbidden("members only");
            case "news" -> RoomDecision.subscribeOnly();
            default -> RoomDecision.allowed();
        };
        server = ServerOnPort.start(ServerOnPort.freePort(), RoomcastConfig.defaults(), router, rooms);
    }

    @AfterEach
    void stop() {
        release.countDown();
        clients.forEach(RoomcastClient::close);
        server.stop();
    }

    private RoomcastClient connected(String subject, Recorder recorder, Duration replyTimeout) throws Exception {
        RoomcastClient c = RoomcastClient.builder(server.webSocketUri()).tokenSupplier(() -> "valid:" + subject)
                .router(recorder.router()).stateListener(recorder).replyTimeout(replyTimeout)
                .backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(100), 2)).maxReconnectAttempts(3).build();
        clients.add(c);
        c.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        return c;
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(java.util.concurrent.CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("expected the stage to fail, but it did not end within 5 s", e);
        }
        throw new AssertionError("expected the stage to fail, but it completed");
    }

    @Test
    void joinCompletesWithItsJoinedReplyAndLeaveWithItsLeft() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofSeconds(5));
        Envelope joined = await(alice.join("lobby"));
        assertThat(joined.type()).isEqualTo("joined");
        assertThat(joined.payload().path("members").findValuesAsText("subject")).containsExactly("alice");
        assertThat(alice.rooms()).containsExactly("lobby");

        Envelope left = await(alice.leave("lobby"));
        assertThat(left.type()).isEqualTo("left");
        assertThat(alice.rooms()).isEmpty();
    }

    @Test
    void concurrentRequestsEachGetTheirOwnReplyOrError() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofSeconds(5));
        var forbidden = alice.join("vip");
        var lobby = alice.join("lobby");
        var notIn = alice.publish("elsewhere", Map.of("text", "x"));
        var echo = alice.request("echo", new Echo("ping me"));
        var published = alice.publish("lobby", Map.of("text", "y"));

        assertThat(failureOf(forbidden)).isInstanceOfSatisfying(ServerErrorException.class,
                e -> assertThat(e.errorCode()).contains(ErrorCode.ROOM_FORBIDDEN));
        assertThat(await(lobby).room()).contains("lobby");
        assertThat(failureOf(notIn)).isInstanceOfSatisfying(ServerErrorException.class,
                e -> assertThat(e.code()).isEqualTo("NOT_IN_ROOM"));
        assertThat(await(echo).payload().path("text").asText()).isEqualTo("ping me");
        assertThat(await(published)).isNull();
        assertThat(alice.rooms()).containsExactly("lobby");
    }

    @Test
    void aPublishToARoomJoinedSubscribeOnlyFailsWithPublishForbiddenAndTheClientStaysInIt() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofSeconds(5));
        await(alice.join("news"));

        assertThat(failureOf(alice.publish("news", Map.of("text", "x")))).isInstanceOfSatisfying(
                ServerErrorException.class, e -> assertThat(e.errorCode()).contains(ErrorCode.PUBLISH_FORBIDDEN));
        assertThat(alice.state()).isEqualTo(ClientState.OPEN);
        assertThat(alice.rooms()).containsExactly("news");
    }

    @Test
    void anApplicationEventOfAnUnknownTypeFailsWithUnknownType() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofSeconds(5));
        assertThat(failureOf(alice.send("no-such-type", Map.of()))).isInstanceOfSatisfying(ServerErrorException.class,
                e -> assertThat(e.errorCode()).contains(ErrorCode.UNKNOWN_TYPE));
    }

    @Test
    void aRequestNobodyAnswersFailsWithATimeoutAfterReplyTimeout() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofMillis(300));
        long started = System.nanoTime();
        assertThat(failureOf(alice.request("stall", new Echo("wait")))).isInstanceOf(TimeoutException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(300);
    }

    @Test
    void aRequestInFlightWhenTheConnectionEndsFailsWithDisconnected() throws Exception {
        Recorder r = new Recorder();
        RoomcastClient alice = connected("alice", r, Duration.ofSeconds(5));
        var stalled = alice.request("stall", new Echo("wait"));
        assertThat(stalling.await(5, TimeUnit.SECONDS)).isTrue();
        server.stop();

        assertThat(failureOf(stalled)).isInstanceOfSatisfying(DisconnectedException.class,
                e -> assertThat(e.disconnect().terminal()).isFalse());
    }

    @Test
    void callsOnAClosedClientFailAtOnceAndCloseFailsWhatWaited() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofSeconds(5));
        var stalled = alice.request("stall", new Echo("wait"));
        alice.close();

        assertThat(failureOf(stalled)).isInstanceOf(DisconnectedException.class);
        assertThat(failureOf(alice.join("lobby"))).isInstanceOf(IllegalStateException.class);
        assertThat(alice.state()).isEqualTo(ClientState.CLOSED);
    }

    @Test
    void anInvalidRoomNameIsRefusedBeforeAnythingIsSent() throws Exception {
        RoomcastClient alice = connected("alice", new Recorder(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> alice.join("not a room!")).isInstanceOfSatisfying(dev.roomcast.core.RoomcastException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ROOM));
    }
}
