package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code publish} from a member of a large room, arriving while the connection's reader is idle,
 * is handled on the I/O thread it arrived on (no reader start, no hop); everything else still goes
 * through the reader, and a connection's messages are handled in arrival order either way.
 */
@Timeout(60)
class PublishOnArrivalIT {
    private static final int LARGE = Hub.SHARDED_FANOUT_MIN_MEMBERS;

    private final Map<String, Thread> publishHandledOn = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private TestServer server;

    record Hold(int n) {
    }

    @BeforeEach
    void start() {
        server = TestServer.builder()
                .config(RoomcastConfig.builder().presenceEnabled(false).build())
                .router(EventRouter.builder()
                        .on("hold", Hold.class, (ctx, hold) -> {
                            if (!release.await(5, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("the test never released the hold");
                            }
                            ctx.reply("held", Map.of("n", hold.n()));
                        })
                        .build())
                .listener(new ConnectionListener() {
                    @Override
                    public Optional<String> onEventStarted(Peer peer, Envelope envelope) {
                        if (envelope.type().equals("publish")) {
                            publishHandledOn.put(peer.identity().subject(), Thread.currentThread());
                        }
                        return Optional.empty();
                    }
                })
                .start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    @Test
    void aPublishToALargeRoomIsHandledOnTheIoThreadAndOneToASmallRoomOnTheReader() throws Exception {
        List<TestClient> large = server.connectMany(LARGE, 8, i -> "big-" + i, i -> "?room=big");
        List<TestClient> small = server.connectMany(2, 2, i -> "small-" + i, i -> "?room=small");
        awaitJoined(large);
        awaitJoined(small);

        large.get(0).sendJson(Map.of("type", "publish", "room", "big", "payload", Map.of("n", 1)));
        small.get(0).sendJson(Map.of("type", "publish", "room", "small", "payload", Map.of("n", 2)));

        for (TestClient c : large) {
            assertThat(c.awaitType("message").path("payload").path("n").asInt()).isEqualTo(1);
        }
        for (TestClient c : small) {
            assertThat(c.awaitType("message").path("payload").path("n").asInt()).isEqualTo(2);
        }
        Thread bigPublisher = publishHandledOn.get("big-0");
        assertThat(bigPublisher.isVirtual()).isFalse();
        assertThat(bigPublisher.getName()).startsWith("XNIO"); // Undertow's I/O threads
        assertThat(publishHandledOn.get("small-0").isVirtual()).as("the reader").isTrue();
    }

    @Test
    void aPublishBehindASlowEventWaitsForItEvenInALargeRoom() throws Exception {
        List<TestClient> large = server.connectMany(LARGE, 8, i -> "big-" + i, i -> "?room=big");
        awaitJoined(large);
        TestClient publisher = large.get(0);

        publisher.sendJson(Map.of("type", "hold", "payload", Map.of("n", 1)));
        publisher.sendJson(Map.of("type", "publish", "room", "big", "payload", Map.of("n", 2)));
        // The reader is busy with the held event, so the publish queues behind it instead of overtaking.
        large.get(1).assertNoMoreMessages(Duration.ofMillis(300));
        release.countDown();

        JsonNode first = publisher.next();
        assertThat(first.path("type").asText()).isEqualTo("held");
        JsonNode second = publisher.next();
        assertThat(second.path("type").asText()).isEqualTo("message");
        assertThat(second.path("payload").path("n").asInt()).isEqualTo(2);
        assertThat(large.get(1).awaitType("message").path("payload").path("n").asInt()).isEqualTo(2);
        assertThat(publishHandledOn.get("big-0").isVirtual()).as("handled by the reader, after the held event").isTrue();
    }

    @Test
    void aLargeRoomMembersOtherMessagesStillGetTheirRepliesAndErrors() throws Exception {
        List<TestClient> large = server.connectMany(LARGE, 8, i -> "big-" + i, i -> "?room=big");
        awaitJoined(large);
        TestClient member = large.get(0);

        member.send("{\"type\":\"publish\",\"room\":"); // not JSON: the reader decodes it again and says why
        JsonNode error = member.awaitType("error");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("MALFORMED_MESSAGE");
        member.sendJson(Map.of("type", "publish", "room", "elsewhere", "payload", Map.of("n", 3), "id", "p1"));
        JsonNode notIn = member.awaitType("error");
        assertThat(notIn.path("payload").path("code").asText()).isEqualTo("NOT_IN_ROOM");
        assertThat(notIn.path("id").asText()).isEqualTo("p1");
        member.sendJson(Map.of("type", "ping", "id", "after"));
        assertThat(member.awaitType("pong").path("id").asText()).isEqualTo("after");
        assertThat(member.isClosed()).isFalse();
    }

    private static void awaitJoined(List<TestClient> clients) {
        for (TestClient c : clients) {
            c.awaitType("joined");
        }
    }
}
