package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.roomcast.core.BroadcastResult;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The code of the "Graceful shutdown" guide, run against a real server with real clients. */
@Timeout(60)
class ShutdownGuideIT {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final RoomName ROOM = RoomName.of("lobby");

    private GuideServer server;
    private RawWebSocket slow;

    @AfterEach
    void stop() throws IOException {
        if (slow != null) {
            slow.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return server.http().send(HttpRequest.newBuilder(URI.create(server.server().httpUri() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A member of {@link #ROOM} that stopped reading, with its send queue full, so it cannot drain. Its
     * receive buffer is small and fixed before connecting, so the TCP window cannot grow; the queue
     * counts as full once several broadcasts in a row were dropped.
     */
    private void addStuckMember() throws Exception {
        slow = RawWebSocket.open(server.port(), 32 * 1024);
        assertThat(slow.upgrade("/ws?room=" + ROOM, server.bearer("slow")).status()).isEqualTo(101);
        String bulk = "x".repeat(128 * 1024);
        int droppedInARow = 0;
        for (int i = 0; i < 1_000 && droppedInARow < 5; i++) {
            BroadcastResult result = server.hub().broadcastRoom(ROOM,
                    Envelope.toRoom("bulk", ROOM, JsonNodeFactory.instance.textNode(bulk)), Optional.empty())
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            droppedInARow = result.dropped() > 0 ? droppedInARow + 1 : 0;
        }
        assertThat(droppedInARow).as("broadcasts dropped in a row for the stuck member").isEqualTo(5);
    }

    @Test
    void shutdownTellsEveryMemberThenClosesEachWith1001AfterItsQueueDrained() {
        server = GuideServer.start(RoomcastConfig.builder());
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = server.connect("bob", "");
        bob.sendJson(Map.of("type", "ping"));
        bob.awaitType("pong"); // the server side of the upgrade has completed
        RoomcastServer server = this.server.server();

        // snippet:shutdown-call
        Hub.ShutdownResult result = server.shutdown(Duration.ofSeconds(10));
        // result.notified(): members sent the shutdown event
        // result.forced(): members still connected at the deadline, closed without draining
        // end-snippet

        assertThat(result).isEqualTo(new Hub.ShutdownResult(2, 0));
        for (TestClient client : java.util.List.of(alice, bob)) {
            JsonNode notice = client.awaitType("shutdown");
            assertThat(notice.path("payload").path("reason").asText()).isEqualTo("server shutting down");
            assertThat(client.awaitClose()).isEqualTo(1001);
        }
        assertThat(server.hub().activeConnectionCount()).isZero();
        assertThatThrownBy(() -> new Socket("127.0.0.1", server.port()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void whileShuttingDownUpgradesGet503ReadyTurns503AndTheDeadlineClosesWhatCouldNotDrain() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder().sendQueueSize(16).sendBehavior(SendBehavior.DROP)
                .presenceEnabled(false));
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        addStuckMember();

        Duration deadline = Duration.ofSeconds(2);
        long started = System.nanoTime();
        CompletableFuture<Hub.ShutdownResult> shutdown = CompletableFuture.supplyAsync(() -> server.server().shutdown(deadline));

        await().atMost(WAIT).until(() -> get("/ready").statusCode() == 503);
        HttpResponse<String> ready = get("/ready");
        assertThat(ready.body()).contains("\"status\":\"NOT_READY\"", "\"acceptingConnections\":false");
        assertThat(get("/health").statusCode()).isEqualTo(200);
        Handshakes.Answer upgrade = Handshakes.upgrade(server.port(), "/ws?room=lobby", server.bearer("late"));
        assertThat(upgrade.status()).isEqualTo(503);
        assertThat(upgrade.code()).isEqualTo("SHUTTING_DOWN");
        HttpResponse<String> admin = server.http().send(
                HttpRequest.newBuilder(URI.create(server.server().httpUri() + "/_admin/broadcast"))
                        .header("Authorization", "Bearer " + GuideServer.ADMIN_SECRET)
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(admin.statusCode()).isEqualTo(503);
        assertThat(Handshakes.errorCode(admin.body())).isEqualTo("SHUTTING_DOWN");

        Hub.ShutdownResult result = shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(deadline);
        assertThat(result).isEqualTo(new Hub.ShutdownResult(1, 1));
        assertThat(server.hub().activeConnectionCount()).isZero();
        assertThat(readsToTheEnd(slow)).as("the stuck client's TCP connection was cut").isTrue();
    }

    /** Reads whatever the server had written until the connection ends; false if it stays open 5 s. */
    private static boolean readsToTheEnd(RawWebSocket raw) throws IOException {
        for (int i = 0; i < 10_000; i++) {
            try {
                raw.readFrame();
            } catch (java.io.EOFException | java.net.SocketException e) {
                return true;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            }
        }
        return false;
    }

    @Test
    void aSecondShutdownCallWaitsForTheFirstToFinish() throws Exception {
        server = GuideServer.start(RoomcastConfig.builder().sendQueueSize(16).sendBehavior(SendBehavior.DROP)
                .presenceEnabled(false));
        addStuckMember();
        Duration deadline = Duration.ofSeconds(2);
        long started = System.nanoTime();
        CompletableFuture<Hub.ShutdownResult> first =
                CompletableFuture.supplyAsync(() -> server.server().shutdown(deadline));
        await().atMost(WAIT).until(() -> !server.hub().isRunning());

        Hub.ShutdownResult second = server.server().shutdown(WAIT);

        // It returned only once the first call had waited out its deadline and stopped the hub.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(deadline);
        assertThat(second).isEqualTo(new Hub.ShutdownResult(0, 0));
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new Hub.ShutdownResult(1, 1));
    }

    @Test
    void stopClosesEveryConnectionAtOnceWith1001AndNoShutdownEvent() {
        server = GuideServer.start(RoomcastConfig.builder());
        TestClient alice = server.connect("alice", "?room=lobby");
        alice.awaitType("joined");

        server.server().stop();

        assertThat(alice.awaitClose()).isEqualTo(1001);
        assertThat(alice.drainMessages()).noneMatch(m -> m.path("type").asText().equals("shutdown"));
        server.server().stop(); // idempotent
    }

    @Test
    void aSecondShutdownReturnsAtOnceWithNothingToReport() {
        server = GuideServer.start(RoomcastConfig.builder());
        server.connect("alice", "").sendJson(Map.of("type", "ping"));
        assertThat(server.server().shutdown(WAIT).notified()).isEqualTo(1);
        assertThat(server.server().shutdown(WAIT)).isEqualTo(new Hub.ShutdownResult(0, 0));
    }
}
