package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.auth.TokenMinter;
import dev.roomcast.client.Backoff;
import dev.roomcast.client.ClientState;
import dev.roomcast.client.Disconnect;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.examples.chat.ChatServerComponent;
import dev.roomcast.examples.chat.ChatSettings;
import dev.roomcast.testkit.RecordingClient;
import dev.roomcast.testkit.RoomcastTestServer;
import dev.roomcast.testkit.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code of the "Testing your handlers" guide: a team's own handler tested against a server wired
 * by hand, and the chat service tested through its Dagger component, both with the test kit.
 */
@Timeout(60)
class TestingGuideIT {

    /** The payload of the team's {@code shout} event. */
    record Shout(String text) {
    }

    // snippet:testing-router
    /** The team's own events: a {@code shout} is answered with the same text in capitals. */
    static EventRouter shouts() {
        return EventRouter.builder()
                .on("shout", Shout.class, (ctx, shout) -> ctx.reply("shouted", Map.of("text", shout.text().toUpperCase())))
                .build();
    }
    // end-snippet

    /** A team's handler, on a server wired by hand with {@link TestTokens}. */
    @Nested
    class HandWired {
        // snippet:testing-handler
        private final RoomcastTestServer server = RoomcastTestServer.builder()   // 127.0.0.1, a free port
                .router(shouts())
                .start();

        @AfterEach
        void stop() {
            server.close();   // closes its clients, then the server
        }

        @Test
        void aShoutIsAnsweredInCapitals() {
            RecordingClient alice = server.connect(TestTokens.token("alice"));

            alice.send("shout", Map.of("text", "hey"));

            assertThat(alice.awaitEvent("shouted").payload().path("text").asText()).isEqualTo("HEY");
        }
        // end-snippet

        @Test
        void membersOfARoomSeeEachOthersMessages() {
            // snippet:testing-room
            RecordingClient alice = server.connect(TestTokens.token("alice"));
            RecordingClient bob = server.connect(TestTokens.token("bob", "moderator"));
            alice.join("lobby");
            bob.join("lobby");

            bob.publish("lobby", Map.of("text", "hi"));

            var message = alice.awaitEvent("message", e -> e.payload().path("text").asText().equals("hi"));
            assertThat(message.from()).contains("bob");
            // end-snippet
        }

        @Test
        void aMissingEventFailsTheTestListingWhatArrived() {
            RecordingClient alice = server.connect(TestTokens.token("alice"));
            alice.join("lobby");

            assertThatThrownBy(() -> alice.awaitEvent("shouted", e -> true, Duration.ofMillis(300)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("expected an event of type 'shouted'")
                    .hasMessageContaining("joined room=lobby");
        }

        @Test
        void aRefusedTokenIsReportedWithItsStatusAndCode() {
            // snippet:testing-refused
            Disconnect why = RecordingClient.builder(server.uri()).token("forged").refused();

            assertThat(why.httpStatus()).contains(401);
            assertThat(why.reason()).isEqualTo("INVALID_TOKEN");
            // end-snippet
        }

        @Test
        void aRestartedServerSeesTheClientBackInItsRoom() {
            // snippet:testing-restart
            RecordingClient alice = server.connect(RecordingClient.builder(server.uri())
                    .token(TestTokens.token("alice"))
                    .configure(c -> c.backoff(Backoff.of(Duration.ofMillis(20), Duration.ofMillis(200), 2))));
            alice.join("lobby");
            alice.awaitState(ClientState.OPEN);

            server.restart();                                // same port, so the client finds it again

            alice.awaitState(ClientState.RECONNECTING);
            alice.awaitState(ClientState.OPEN);
            alice.awaitEvent("joined", e -> e.room().orElseThrow().equals("lobby"));   // the rejoin
            // end-snippet
        }
    }

    /** The chat service itself, built by its Dagger component, with the tokens it really accepts. */
    @Nested
    class ThroughTheComponent {
        private static final byte[] SECRET = "testing-guide-secret-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8);

        // snippet:testing-component
        private final RoomcastTestServer server = RoomcastTestServer.start(
                RoomcastConfig.builder().tokenSecret(SECRET).build(),              // host and port are replaced
                config -> ChatServerComponent.create(config, new ChatSettings("vip-password")).server());
        private final TokenMinter tokens = new TokenMinter(SECRET);

        private String token(String subject) {
            return tokens.mint(subject, Optional.empty(), Set.of(), Duration.ofMinutes(5));
        }
        // end-snippet

        @AfterEach
        void stop() {
            server.close();
        }

        @Test
        void theTypingHandlerTellsTheOtherMembers() {
            // snippet:testing-typing
            RecordingClient alice = server.connect(token("alice"));
            RecordingClient bob = server.connect(token("bob"));
            alice.join("lobby");
            bob.join("lobby");

            alice.send("typing", Map.of("room", "lobby"));

            assertThat(bob.awaitEvent("typing").payload().path("subject").asText()).isEqualTo("alice");
            // end-snippet
        }

        @Test
        void theVipRoomWantsItsPassword() {
            RecordingClient alice = server.connect(token("alice"));

            assertThat(alice.client().join("vip").toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
            assertThat(alice.join("vip", "vip-password").room()).contains("vip");
        }
    }
}
