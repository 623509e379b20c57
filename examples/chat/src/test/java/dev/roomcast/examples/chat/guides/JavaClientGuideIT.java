package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.client.Backoff;
import dev.roomcast.client.ClientRouter;
import dev.roomcast.client.ClientState;
import dev.roomcast.client.Disconnect;
import dev.roomcast.client.OverflowPolicy;
import dev.roomcast.client.RoomcastClient;
import dev.roomcast.client.ServerErrorException;
import dev.roomcast.core.Envelope;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.examples.chat.ChatServerComponent;
import dev.roomcast.examples.chat.ChatSettings;
import dev.roomcast.testkit.RecordingClient;
import dev.roomcast.testkit.RoomcastTestServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code of the "Java client" guide, run as a client of the chat service (its Dagger component, real
 * HS256 tokens) started by the test kit; the server is stopped and restarted on the same port to show
 * the reconnect, the rejoin and the outgoing buffer.
 */
@Timeout(60)
class JavaClientGuideIT {
    private static final byte[] SECRET = "java-client-guide-secret-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);

    /** The payload of the chat's {@code message} event, as this application reads it. */
    record ChatLine(String text) {
    }

    /** Stands for the application's login session: mints a fresh token whenever asked, and counts the asks. */
    static final class Session {
        private final TokenMinter minter = new TokenMinter(SECRET);
        private final String subject;
        final AtomicInteger asked = new AtomicInteger();

        Session(String subject) {
            this.subject = subject;
        }

        String freshToken() {
            asked.incrementAndGet();
            return minter.mint(subject, Optional.of(subject), Set.of(), Duration.ofMinutes(5));
        }
    }

    /** Stands for the application's "reconnecting…" banner: remembers what it was shown. */
    static final class Banner {
        final List<ClientState> states = new CopyOnWriteArrayList<>();
        /** Completed with the cause of the first RECONNECTING shown. */
        final CompletableFuture<Disconnect> firstLoss = new CompletableFuture<>();

        void show(ClientState state, Optional<Disconnect> cause) {
            states.add(state);
            if (state == ClientState.RECONNECTING) {
                firstLoss.complete(cause.orElseThrow());
            }
        }
    }

    private final RoomcastTestServer server = RoomcastTestServer.start(
            RoomcastConfig.builder().tokenSecret(SECRET).build(),
            c -> ChatServerComponent.create(c, new ChatSettings("guide-vip-password")).server());
    private final Session session = new Session("alice");
    private RoomcastClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    @Test
    void aClientConnectsWithItsTokenSupplierJoinsAndReceivesTypedMessages() throws Exception {
        int port = server.port();
        LinkedBlockingQueue<String> chat = new LinkedBlockingQueue<>();
        // snippet:java-client-connect
        client = RoomcastClient.builder(URI.create("ws://127.0.0.1:" + port + "/ws"))
                .tokenSupplier(session::freshToken)               // asked on every connect and reconnect
                .router(ClientRouter.builder()
                        .on("message", ChatLine.class, (event, line) ->
                                chat.add(event.from().orElse("server") + ": " + line.text()))
                        .build())
                .build();
        client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);

        Envelope joined = client.join("lobby").toCompletableFuture().get(5, TimeUnit.SECONDS);
        int members = joined.payload().path("memberCount").asInt();
        client.publish("lobby", new ChatLine("hello")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        // end-snippet

        assertThat(members).isEqualTo(1);
        assertThat(chat.poll(5, TimeUnit.SECONDS)).isEqualTo("alice: hello");
        assertThat(session.asked.get()).isEqualTo(1);
    }

    @Test
    void eachRequestsStageFailsWithTheServersErrorForThatRequest() throws Exception {
        client = RoomcastClient.builder(server.uri()).tokenSupplier(session::freshToken).build();
        client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);

        List<String> refusals = new CopyOnWriteArrayList<>();
        // snippet:java-client-refused
        CompletableFuture<Envelope> vip = client.join("vip").toCompletableFuture();      // no password
        CompletableFuture<Envelope> lobby = client.join("lobby").toCompletableFuture();  // its own id, its own answer
        try {
            vip.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            ServerErrorException refused = (ServerErrorException) e.getCause();
            refusals.add(refused.code());                                                  // ROOM_FORBIDDEN
        }
        Envelope inLobby = lobby.get(5, TimeUnit.SECONDS);
        // end-snippet

        assertThat(refusals).containsExactly("ROOM_FORBIDDEN");
        assertThat(inLobby.room()).contains("lobby");
        assertThat(client.rooms()).containsExactly("lobby");
    }

    @Test
    void afterTheServerRestartsTheClientReconnectsWithAFreshTokenRejoinsAndSendsWhatWaited() throws Exception {
        Banner banner = new Banner();
        URI uri = server.uri();
        // snippet:java-client-reconnect
        client = RoomcastClient.builder(uri)
                .tokenSupplier(session::freshToken)
                .backoff(Backoff.of(Duration.ofMillis(250), Duration.ofSeconds(30), 2))  // min, max, multiplier
                .maxReconnectAttempts(50)                        // then CLOSED; default: no limit
                .outgoingBuffer(100, OverflowPolicy.FAIL_NEW)    // messages that wait while disconnected
                .stateListener(banner::show)                     // CONNECTING, OPEN, RECONNECTING, CLOSED
                .build();
        // end-snippet
        client.connect().toCompletableFuture().get(5, TimeUnit.SECONDS);
        client.join("lobby").toCompletableFuture().get(5, TimeUnit.SECONDS);

        server.stop();
        Disconnect lost = banner.firstLoss.get(5, TimeUnit.SECONDS);
        CompletableFuture<Void> queued = client.publish("lobby", new ChatLine("written while down")).toCompletableFuture();
        assertThat(queued).isNotDone();
        server.startAgain();

        queued.get(10, TimeUnit.SECONDS);
        assertThat(lost.closeCode()).isEqualTo(1001);
        assertThat(lost.terminal()).isFalse();
        assertThat(banner.states).containsSubsequence(ClientState.CONNECTING, ClientState.OPEN, ClientState.RECONNECTING,
                ClientState.OPEN);
        assertThat(client.rooms()).containsExactly("lobby");
        assertThat(session.asked.get()).as("a fresh token per connect").isGreaterThanOrEqualTo(2);
        RecordingClient bob = server.connect(RecordingClient.builder(server.uri()).tokenSupplier(new Session("bob")::freshToken));
        bob.join("lobby");
        client.publish("lobby", new ChatLine("after the restart")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(bob.awaitEvent("message").from()).contains("alice");
    }
}
