package dev.roomcast.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.client.ClientState;
import dev.roomcast.client.Backoff;
import dev.roomcast.core.EventRouter;
import java.time.Duration;
import java.util.Map;
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
}
