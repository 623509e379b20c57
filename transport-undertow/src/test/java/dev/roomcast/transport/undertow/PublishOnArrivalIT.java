package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.ConnectionListener;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.Peer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.SendBehavior;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.internal.Connection;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code publish} arriving while the connection's reader is idle is handled on the I/O thread it
 * arrived on (no reader start, no hop), whatever the room's size; everything else still goes through
 * the reader, a connection's messages are handled in arrival order either way, and the I/O thread
 * never waits for a slow member.
 */
@Timeout(60)
class PublishOnArrivalIT {
    private static final int LARGE = Hub.SHARDED_FANOUT_MIN_MEMBERS;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Thread> publishHandledOn = new ConcurrentHashMap<>();
    /** Notes, per subject, the thread its last publish was handled on. */
    private final ConnectionListener recordsPublishThreads = new ConnectionListener() {
        @Override
        public Optional<String> onEventStarted(Peer peer, Envelope envelope) {
            if (envelope.type().equals("publish")) {
                publishHandledOn.put(peer.identity().subject(), Thread.currentThread());
            }
            return Optional.empty();
        }
    };
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
                .listener(recordsPublishThreads)
                .start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
    }

    @Test
    void aPublishToALargeOrASmallRoomIsHandledOnTheIoThreadItArrivedOn() throws Exception {
        List<TestClient> large = largeRoom();
        List<TestClient> small = server.connectMany(2, 2, i -> "small-" + i, i -> "?room=small");
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
        Thread smallPublisher = publishHandledOn.get("small-0");
        assertThat(smallPublisher.isVirtual()).isFalse();
        assertThat(smallPublisher.getName()).startsWith("XNIO");

        // A publish too big to parse on the I/O thread goes to the reader, which handles it the same.
        String pad = "p".repeat(Connection.ON_ARRIVAL_MAX_BYTES);
        small.get(1).sendJson(Map.of("type", "publish", "room", "small", "payload", Map.of("n", 3, "pad", pad)));
        for (TestClient c : small) {
            assertThat(c.awaitType("message").path("payload").path("n").asInt()).isEqualTo(3);
        }
        assertThat(publishHandledOn.get("small-1").isVirtual()).as("the reader").isTrue();
    }

    @Test
    void aSmallRoomsStuckMemberUnderBlockIsWaitedForOffTheIoThreadWhileThePublisherIsStillServed() throws Exception {
        // The stuck member's one-frame queue and socket fill up; a publish handled on the I/O thread
        // leaves it to a lane runner, which waits up to sendTimeout, and the publisher is answered meanwhile.
        server.close();
        server = TestServer.builder().config(RoomcastConfig.builder().presenceEnabled(false)
                        .sendQueueSize(1).sendBehavior(SendBehavior.BLOCK).sendTimeout(Duration.ofSeconds(20))
                        .inboundBurst(1000).build())
                .listener(recordsPublishThreads)
                .start();
        try (RawWebSocket stuck = RawWebSocket.open(server.port(), 4096)) {
            assertThat(stuck.upgrade("/ws?room=small", Map.of("Authorization", "Bearer valid:stuck")).status()).isEqualTo(101);
            TestClient publisher = server.connect("publisher", "?room=small");
            publisher.awaitType("joined");
            TestClient reader = server.connect("reader", "?room=small");
            reader.awaitType("joined");
            publisher.drainMessages();

            // Under the on-arrival limit; the kernel buffers some 4 MB for the stuck socket first.
            String pad = "p".repeat(15 * 1024);
            int sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // Publish until one broadcast is left waiting for the stuck member: the reader then stops
            // receiving, because the room's next broadcasts queue behind that wait.
            while (System.nanoTime() < deadline && sent < 900) {
                publisher.sendJson(Map.of("type", "publish", "room", "small", "payload", Map.of("n", sent, "pad", pad)));
                sent++;
                if (reader.nextWithin(Duration.ofMillis(500)) == null) {
                    break;
                }
            }
            assertThat(System.nanoTime() < deadline && sent < 900).as("a broadcast ended up waiting for the stuck member").isTrue();
            Thread handledOn = publishHandledOn.get("publisher");
            assertThat(handledOn.getName()).startsWith("XNIO");

            // The publisher's I/O thread is free: its ping is answered while the runner still waits.
            publisher.sendJson(Map.of("type", "ping", "id", "while-waiting"));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(publisher.drainMessages().stream()
                    .anyMatch(m -> m.path("type").asText().equals("pong"))).isTrue());
            assertThat(reader.isClosed()).isFalse();
        }
    }

    @Test
    void aPublishBehindASlowEventWaitsForItEvenInALargeRoom() throws Exception {
        List<TestClient> large = largeRoom();
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
        List<TestClient> large = largeRoom();
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

    @Test
    @Timeout(150)
    void everyPublishRefusedOnArrivalIsAnsweredEvenWhenThePublishersQueueIsFull() throws Exception {
        // A room of stuck members under BLOCK: once their sockets and one-frame queues are full, the
        // lane waits for them, its two-job queue fills, and the publisher's next publishes are refused.
        // The publisher's own queue holds one frame and fills with the room's messages, so an answer
        // the I/O thread tried to queue without waiting would often be lost; the reader sends them.
        AtomicInteger refused = new AtomicInteger();
        server.close();
        server = TestServer.builder().config(RoomcastConfig.builder().presenceEnabled(false)
                        .workerCount(1).jobQueueSize(2).sendQueueSize(1).sendBehavior(SendBehavior.BLOCK)
                        // Short, so that a broadcast held up by the stuck members ends soon and the
                        // publisher's backlog (below) is worked off in seconds.
                        .sendTimeout(Duration.ofMillis(250)).inboundBurst(1000).build())
                .listener(new ConnectionListener() {
                    @Override
                    public void onMessageRejected(Peer peer, ErrorCode code) {
                        if (code == ErrorCode.HUB_FULL && peer.identity().subject().equals("publisher")) {
                            refused.incrementAndGet();
                        }
                    }
                })
                .start();
        List<RawWebSocket> stuck = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        try {
            for (int i = 0; i < LARGE; i++) {
                RawWebSocket s = RawWebSocket.open(server.port(), 4096);
                stuck.add(s);
                assertThat(s.upgrade("/ws?room=big", Map.of("Authorization", "Bearer valid:stuck-" + i)).status())
                        .isEqualTo(101);
            }
            TestClient publisher = server.connect("publisher", "?room=big");
            publisher.awaitType("joined");
            // A second flooder keeps the lane's queue full while the publisher's reader is busy
            // answering: the reader's own publishes are then refused too, so refusals keep coming
            // whichever path the publisher's messages take.
            TestClient helper = server.connect("helper", "?room=big");
            helper.awaitType("joined");

            // Just under the on-arrival limit, so each publish is handled on arrival while the reader is
            // idle: the kernel buffers about 4 MB for each stuck socket before its queue fills, which
            // with 8 KB pads took most of a 600-publish budget and left the test to chance.
            String pad = "p".repeat(15 * 1024);
            // The publisher floods from a thread of its own. Once the reader is answering refusals and
            // handling publishes held up by the room, the server stops reading this connection (its
            // inbox is full) and a send can stay pending for as long as the backlog takes: that is the
            // backpressure a flooding publisher should feel, so the test stops flooding once enough
            // refusals are counted and never waits on a pending send.
            List<Thread> floods = List.of(flood(publisher, "p", pad, flooding), flood(helper, "h", pad, flooding));
            await().atMost(Duration.ofSeconds(60)).until(() -> refused.get() >= 5);
            flooding.set(false);
            // What was sent before the stop is still handled, and more of it may be refused: every
            // refusal counted so far must have its answer.
            List<JsonNode> errors = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                publisher.drainMessages().stream().filter(m -> m.path("type").asText().equals("error")).forEach(errors::add);
                assertThat(errors).hasSize(refused.get());
            });
            assertThat(errors).allSatisfy(e -> {
                assertThat(e.path("payload").path("code").asText()).isEqualTo("HUB_FULL");
                assertThat(e.path("id").asText()).startsWith("p");
            });
            assertThat(publisher.isClosed()).isFalse();
            floods.forEach(Thread::interrupt);
        } finally {
            flooding.set(false);
            for (RawWebSocket s : stuck) {
                s.close();
            }
        }
    }

    /** Sends 15 KB publishes to room {@code big}, ids {@code idPrefix0}…, one at a time, while {@code flooding}. */
    private static Thread flood(TestClient client, String idPrefix, String pad, AtomicBoolean flooding) {
        return Thread.ofVirtual().name("flood-" + idPrefix).start(() -> {
            for (int i = 0; i < 1200 && flooding.get(); i++) {
                try {
                    String publish = JSON.writeValueAsString(
                            Map.of("type", "publish", "room", "big", "id", idPrefix + i, "payload", Map.of("pad", pad)));
                    client.socket().sendText(publish, true).get();
                } catch (Exception e) {
                    return; // the connection closed at the end of the test
                }
            }
        });
    }

    /** {@code LARGE} clients {@code big-0}… in room {@code big}, each past its {@code joined} reply. */
    private List<TestClient> largeRoom() throws Exception {
        List<TestClient> large = server.connectMany(LARGE, 8, i -> "big-" + i, i -> "?room=big");
        awaitJoined(large);
        return large;
    }

    private static void awaitJoined(List<TestClient> clients) {
        for (TestClient c : clients) {
            c.awaitType("joined");
        }
    }
}
