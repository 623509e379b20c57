package dev.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.cluster.redis.RedisFixture;
import dev.roomcast.core.Clock;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomHistoryConfig;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.StreamPosition;
import dev.roomcast.hub.Hub;
import dev.roomcast.hub.PresencePolicy;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client's recovery over real sockets: two servers share a real {@code redis-server} (bus and
 * history); the client's server is stopped, messages are published on the other one meanwhile, and a
 * new server is started on the same port. The client rejoins with {@code since} = its last offset and
 * gets exactly what it missed, in order, before live messages, and {@code recovered} tells it so.
 */
@Timeout(60)
class HistoryRecoveryIT {
    private static final RoomName LOG = RoomName.of("log");
    private static final Backoff FAST = Backoff.of(Duration.ofMillis(20), Duration.ofMillis(200), 2);
    @RegisterExtension
    static final RedisFixture redis = RedisFixture.perClass();

    private final List<RoomcastServer> servers = new ArrayList<>();
    private final List<RoomcastClient> clients = new ArrayList<>();
    private final EnvelopeCodec codec = EnvelopeCodec.of(RoomcastConfig.defaults());
    private final LinkedBlockingQueue<Envelope> events = new LinkedBlockingQueue<>();

    @AfterEach
    void stopAll() {
        clients.forEach(RoomcastClient::close);
        servers.forEach(RoomcastServer::stop);
    }

    /**
     * A server on {@code port}, one node of the test's cluster (bus and history on one Redis client, as the
     * Dagger modules wire it); room {@code log} keeps 100 messages. The fixture closes the node after the test.
     */
    private RoomcastServer server(int port, String nodeId) {
        RoomcastConfig c = RoomcastConfig.builder().host("127.0.0.1").port(port).build();
        RedisFixture.Node node = redis.node(redis.config(nodeId).build(),
                RoomHistoryConfig.builder().room(LOG, 100, Duration.ofMinutes(5)).build());
        Hub hub = redis.hub(node, c, codec, PresencePolicy.always(false));
        RoomcastServer s = new RoomcastServer(c, hub, codec, EventRouter.empty(), Optional.of(new FakeTokens()),
                RoomAuthorizer.allowAll(), Optional.empty(), List.of(), List.of(), Clock.system()).start();
        servers.add(s);
        return s;
    }

    private RoomcastClient client(int port) {
        RoomcastClient c = RoomcastClient.builder(ServerOnPort.uri(port)).tokenSupplier(() -> "valid:alice")
                .router(ClientRouter.builder().otherwise(events::add).build()).backoff(FAST).maxReconnectAttempts(200)
                .build();
        clients.add(c);
        return c;
    }

    private void publish(RoomcastServer server, String text) throws Exception {
        server.hub().broadcastRoom(LOG, Envelope.toRoom("message", LOG, codec.toPayload(Map.of("text", text))).withFrom("bob"),
                Optional.empty()).get(5, TimeUnit.SECONDS);
    }

    private Envelope next(String type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            Envelope e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(e).as("a %s event within 5 s", type).isNotNull();
            if (e.type().equals(type)) {
                return e;
            }
        }
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientWhoseServerRestartedRejoinsWithItsLastOffsetAndReceivesWhatItMissedInOrder() throws Exception {
        int port = ServerOnPort.freePort();
        RoomcastServer first = server(port, "a");
        RoomcastServer other = server(ServerOnPort.freePort(), "b");
        RoomcastClient alice = client(port);
        await(alice.connect());
        await(alice.join("log"));
        publish(other, "one");
        assertThat(next("message").payload().path("text").asText()).isEqualTo("one");
        StreamPosition seen = alice.position("log").orElseThrow();

        first.stop();
        publish(other, "two");
        publish(other, "three");
        server(port, "a2");

        Envelope rejoined = next("joined");
        assertThat(rejoined.id().orElseThrow()).startsWith("r");
        assertThat(rejoined.payload().path("recovered").asBoolean(false)).as("the rejoin passed since").isTrue();
        assertThat(next("message").payload().path("text").asText()).isEqualTo("two");
        assertThat(next("message").payload().path("text").asText()).isEqualTo("three");
        assertThat(alice.position("log")).contains(StreamPosition.of(seen.offset() + 2, seen.epoch()));
        publish(other, "four");
        assertThat(next("message").payload().path("text").asText()).isEqualTo("four");
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).as("nothing twice").isNull();
    }

    @Test
    void aClientWhoseHistoryWasLostIsToldItDidNotRecover() throws Exception {
        int port = ServerOnPort.freePort();
        RoomcastServer first = server(port, "a");
        RoomcastClient alice = client(port);
        await(alice.connect());
        await(alice.join("log"));
        publish(first, "before");
        next("message");
        String epoch = alice.position("log").orElseThrow().epoch();

        first.stop();
        assertThat(redis.server().command("FLUSHALL")).isEqualTo("+OK");
        server(port, "a2");

        Envelope rejoined = next("joined");
        assertThat(rejoined.payload().path("recovered").asBoolean(true)).isFalse();
        assertThat(alice.position("log").orElseThrow().epoch()).as("the new epoch, from the reply").isNotEqualTo(epoch);
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).as("nothing old").isNull();
    }
}
