package dev.roomcast.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.client.ClientState;
import dev.roomcast.client.Backoff;
import dev.roomcast.client.Disconnect;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test kit itself, over real sockets: a server wired by hand, recording clients, awaits and their failures. */
@Timeout(60)
class RoomcastTestServerIT {
    private record Shout(String text) {
    }

    private final RoomcastTestServer server = RoomcastTestServer.builder()
            .router(EventRouter.builder()
                    .on("shout", Shout.class, (ctx, shout) -> ctx.reply("shouted", Map.of("text", shout.text().toUpperCase())))
                    .build())
            .start();

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void twoRecordingClientsSeeEachOthersMessagesSignedByTheirToken() {
        RecordingClient alice = server.connect(TestTokens.token("alice"));
        RecordingClient bob = server.connect(TestTokens.token("bob"));
        alice.join("lobby");
        bob.join("lobby");
        alice.awaitEvent("presence", e -> e.payload().path("member").path("subject").asText().equals("bob"));

        alice.publish("lobby", Map.of("text", "hi"));

        assertThat(bob.awaitEvent("message").from()).contains("alice");
        assertThat(alice.awaitEvent("message", e -> e.payload().path("text").asText().equals("hi")).room()).contains("lobby");
    }

    @Test
    void awaitEventFailsListingWhatArrived() {
        RecordingClient alice = server.connect(TestTokens.token("alice"));
        alice.join("lobby");

        assertThatThrownBy(() -> alice.awaitEvent("message", e -> true, Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected an event of type 'message'")
                .hasMessageContaining("joined room=lobby");
    }

    @Test
    void eachEventIsReturnedOnceAndSkippedOnesStayAvailable() {
        RecordingClient alice = server.connect(TestTokens.token("alice"));
        alice.join("a");
        alice.join("b");

        assertThat(alice.awaitEvent("joined", e -> e.room().orElseThrow().equals("b")).room()).contains("b");
        assertThat(alice.awaitEvent("joined").room()).contains("a");
        assertThatThrownBy(() -> alice.awaitEvent("joined", e -> true, Duration.ofMillis(100))).isInstanceOf(AssertionError.class);
    }

    @Test
    void applicationEventsOfTheServersRouterAnswerTheRecordingClient() {
        RecordingClient alice = server.connect(TestTokens.token("alice"));
        alice.send("shout", Map.of("text", "hey"));
        assertThat(alice.awaitEvent("shouted").payload().path("text").asText()).isEqualTo("HEY");
    }

    @Test
    void aRestartedServerKeepsItsPortAndTheClientComesBackToItsRooms() {
        RecordingClient alice = server.connect(RecordingClient.builder(server.uri()).token(TestTokens.token("alice"))
                .configure(c -> c.backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(200), 2))));
        alice.join("lobby");
        alice.awaitState(ClientState.OPEN);
        int port = server.port();

        server.restart();

        assertThat(server.port()).isEqualTo(port);
        alice.awaitState(ClientState.RECONNECTING);
        alice.awaitState(ClientState.OPEN);
        RecordingClient bob = server.connect(TestTokens.token("bob"));
        bob.join("lobby");
        alice.awaitEvent("presence", e -> e.payload().path("member").path("subject").asText().equals("bob"));
    }

    @Test
    void aRefusedTokenFailsTheConnectWithTheRefusal() {
        assertThatThrownBy(() -> server.connect("forged"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("INVALID_TOKEN");
    }

    @Test
    void aRefusedClientReportsTheStatusAndCodeOfTheRefusal() {
        Disconnect why = RecordingClient.builder(server.uri()).token("forged").refused();

        assertThat(why.httpStatus()).contains(401);
        assertThat(why.reason()).isEqualTo("INVALID_TOKEN");
        assertThat(why.terminal()).isTrue();
    }

    @Test
    void expectingARefusalFailsWhenTheServerAcceptsTheClient() {
        assertThatThrownBy(() -> RecordingClient.builder(server.uri()).token(TestTokens.token("alice")).refused())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to refuse the client for good")
                .hasMessageContaining("OPEN");
    }

    /** A service's own start, as its main would call it: the port given, the server returned running. */
    private static RoomcastServer serviceOnPort(int port) {
        RoomcastConfig c = RoomcastConfig.builder().host("127.0.0.1").port(port).build();
        EnvelopeCodec codec = EnvelopeCodec.of(c);
        return new RoomcastServer(c, Hub.create(c, codec, Clock.system()), codec, EventRouter.empty(),
                Optional.of(new TestTokens()), InboundRatePolicy.uniform(c), RoomAuthorizer.allowAll(), Optional.empty(),
                List.of(), List.of(), Clock.system()).start();
    }

    @Test
    void aServiceStartedByItsOwnStartFunctionIsRestartedByThatFunctionOnTheSamePort() {
        List<Integer> asked = new CopyOnWriteArrayList<>();
        try (RoomcastTestServer service = RoomcastTestServer.startService(port -> {
            asked.add(port);
            return serviceOnPort(port);
        })) {
            RecordingClient alice = service.connect(RecordingClient.builder(service.uri()).token(TestTokens.token("alice"))
                    .configure(c -> c.backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(200), 2))));
            alice.join("lobby");
            alice.awaitState(ClientState.OPEN);
            int port = service.port();

            service.restart();

            assertThat(asked).containsExactly(0, port);
            alice.awaitState(ClientState.RECONNECTING);
            alice.awaitState(ClientState.OPEN);
            assertThat(alice.awaitEvent("joined", e -> e.id().orElse("").startsWith("r")).room()).contains("lobby");
        }
    }

    @Test
    void aStartFunctionThatReturnsAServerNotStartedIsRefused() {
        RoomcastConfig c = RoomcastConfig.builder().host("127.0.0.1").port(0).build();
        EnvelopeCodec codec = EnvelopeCodec.of(c);
        RoomcastServer notStarted = new RoomcastServer(c, Hub.create(c, codec, Clock.system()), codec, EventRouter.empty(),
                Optional.of(new TestTokens()), InboundRatePolicy.uniform(c), RoomAuthorizer.allowAll(), Optional.empty(),
                List.of(), List.of(), Clock.system());

        assertThatThrownBy(() -> RoomcastTestServer.startService(port -> notStarted))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    }

    /** Stands for a service that runs more than its server (a feed): its stop must stop both. */
    private static final class ServiceWithAFeed {
        final RoomcastServer server;
        final java.util.concurrent.atomic.AtomicInteger feedStops = new java.util.concurrent.atomic.AtomicInteger();

        ServiceWithAFeed(int port) {
            this.server = serviceOnPort(port);
        }

        void stop() {
            feedStops.incrementAndGet();
            server.stop();
        }
    }

    @Test
    void aServiceWithMoreThanItsServerIsStoppedWhollyOnRestartAndCloseAndTheRunningOneIsAtHand() {
        RoomcastTestServer service = RoomcastTestServer.startService(ServiceWithAFeed::new, s -> s.server, ServiceWithAFeed::stop);
        ServiceWithAFeed first = service.service(ServiceWithAFeed.class);
        assertThat(first.server).isSameAs(service.server());

        service.restart();

        ServiceWithAFeed second = service.service(ServiceWithAFeed.class);
        assertThat(second).isNotSameAs(first);
        assertThat(first.feedStops.get()).isEqualTo(1);
        assertThat(second.server.port()).isEqualTo(first.server.port());
        service.connect(TestTokens.token("alice")).join("lobby");

        service.close();

        assertThat(second.feedStops.get()).isPositive();
        assertThatThrownBy(() -> service.service(String.class)).isInstanceOf(ClassCastException.class);
    }
}
