package dev.roomcast.examples.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.InboundRatePolicy;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The upgrade contract at the Jakarta endpoint, over raw sockets so the answer is read as the client
 * gets it: every refusal is the contract's status and JSON body, and never a 101 (so the handshake
 * never completed and nothing reached the WebSocket container's endpoint). The same requests sent to
 * a native {@link RoomcastServer} with the same configuration get byte-identical answers.
 */
@Timeout(60)
class JakartaUpgradeContractIT {
    private JakartaTestApp app;

    @BeforeEach
    void start() {
        app = JakartaTestApp.start();
    }

    @AfterEach
    void stop() {
        app.close();
    }

    private RawWebSocket.Response upgrade(int port, String target, Map<String, String> headers) throws IOException {
        try (RawWebSocket raw = RawWebSocket.open(port)) {
            return raw.upgrade(target, headers);
        }
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new HashMap<>(a);
        out.putAll(b);
        return out;
    }

    @Test
    void aForeignOriginIsRefusedWith403AndJsonBeforeTheHandshake() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby",
                with(app.bearer("alice"), Map.of("Origin", "https://evil.example")));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(r.body()).contains("\"code\":\"FORBIDDEN_ORIGIN\"");
        assertThat(r.header("upgrade")).isNull();
    }

    @Test
    void theAllowedOriginIsUpgraded() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby",
                with(app.bearer("alice"), Map.of("Origin", JakartaTestApp.ALLOWED_ORIGIN)));

        assertThat(r.status()).isEqualTo(101);
    }

    @Test
    void aMissingTokenIsRefusedWith401AndJsonBeforeTheHandshake() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby", Map.of());

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("\"code\":\"TOKEN_REQUIRED\"");
    }

    @Test
    void anInvalidTokenIsRefusedWith401AndJsonBeforeTheHandshake() throws IOException {
        String forged = app.token("alice").substring(0, 20) + "x" + app.token("alice").substring(21);

        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby", Map.of("Authorization", "Bearer " + forged));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("\"code\":\"INVALID_TOKEN\"").doesNotContain(forged);
    }

    @Test
    void aForbiddenRoomIsRefusedWith403AndJsonBeforeTheHandshakeAndHoldsNoSlot() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=" + JakartaChatModule.STAFF_ROOM, app.bearer("alice"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"ROOM_FORBIDDEN\"");
        assertThat(app.app().roomcast().hub().activeConnectionCount()).isZero();
    }

    @Test
    void theStaffRoleOpensTheStaffRoom() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=" + JakartaChatModule.STAFF_ROOM,
                app.bearer("carol", JakartaChatModule.STAFF_ROLE));

        assertThat(r.status()).isEqualTo(101);
    }

    @Test
    void onlyUnknownSubprotocolsAreRefusedWith400() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby",
                with(app.bearer("alice"), Map.of("Sec-WebSocket-Protocol", "chat.v9")));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("\"code\":\"BAD_SUBPROTOCOL\"");
    }

    @Test
    void aDraftVersionTheContainerWouldSpeakIsRefusedWith400AsNatively() throws IOException {
        // Undertow's WebSocket container also speaks drafts 07 and 08; Roomcast's contract is RFC 6455 only.
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby",
                with(app.bearer("alice"), Map.of("Sec-WebSocket-Version", "8")));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("sec-websocket-version")).isEqualTo("13");
        assertThat(r.body()).contains("\"code\":\"BAD_VERSION\"");
        assertThat(app.app().roomcast().hub().activeConnectionCount()).isZero();
    }

    @Test
    void plainRequestsReachTheApplicationsOwnServlets() throws IOException {
        try (RawWebSocket raw = RawWebSocket.open(app.port())) {
            RawWebSocket.Response page = raw.request("GET", "/", Map.of("Host", "127.0.0.1"));
            assertThat(page.status()).isEqualTo(200);
        }
    }

    /** The refusals both transports must answer identically: target and headers of each. */
    static Stream<Object[]> refusals() {
        return Stream.of(
                new Object[] {"draft version 8", "/ws?room=lobby", "alice", Map.of("Sec-WebSocket-Version", "8")},
                new Object[] {"key of 8 bytes", "/ws?room=lobby", "alice", Map.of("Sec-WebSocket-Key", "AAAAAAAAAAA=")},
                new Object[] {"no Connection: Upgrade", "/ws?room=lobby", "alice", Map.of("Connection", "keep-alive")},
                new Object[] {"foreign origin", "/ws?room=lobby", "alice", Map.of("Origin", "https://evil.example")},
                new Object[] {"missing token", "/ws?room=lobby", null, Map.of()},
                new Object[] {"invalid token", "/ws?room=lobby", null, Map.of("Authorization", "Bearer not.a.token")},
                new Object[] {"forbidden room", "/ws?room=staff", "alice", Map.of()},
                new Object[] {"invalid room name", "/ws?room=" + "x".repeat(300), "alice", Map.of()},
                new Object[] {"unknown subprotocol", "/ws?room=lobby", "alice", Map.of("Sec-WebSocket-Protocol", "chat.v9")},
                new Object[] {"malformed escape in the query", "/ws?room=%zz", "alice", Map.of()},
                new Object[] {"truncated escape in the query", "/ws?room=lobby%", "alice", Map.of()},
                new Object[] {"malformed escape in a parameter nobody reads", "/ws?room=lobby&utm=%G1", "alice", Map.of()},
                new Object[] {"malformed escape, no token", "/ws?room=%zz", null, Map.of()},
                new Object[] {"one room more than the join burst", "/ws?room=" + rooms(21), "alice", Map.of()},
                new Object[] {"too many rooms, no token", "/ws?room=" + rooms(21), null, Map.of()});
    }

    /** {@code n} distinct valid room names, comma-separated ({@code joinBurst} is 20 by default). */
    private static String rooms(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("r").append(i);
        }
        return b.toString();
    }

    @Test
    void aMalformedEscapeInTheQueryIsRefusedWith400AndJsonBeforeTheHandshake() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=lobby%zz", app.bearer("alice"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(r.body()).contains("\"code\":\"BAD_REQUEST\"");
        assertThat(app.app().roomcast().hub().activeConnectionCount()).isZero();
    }

    @Test
    void asManyRoomsAsTheJoinBurstAreUpgradedAndOneMoreIsRefusedWith429() throws IOException {
        RawWebSocket.Response atTheLimit = upgrade(app.port(), "/ws?room=" + rooms(20), app.bearer("alice"));
        RawWebSocket.Response overIt = upgrade(app.port(), "/ws?room=" + rooms(21), app.bearer("alice"));

        assertThat(atTheLimit.status()).isEqualTo(101);
        assertThat(overIt.status()).isEqualTo(429);
        assertThat(overIt.body()).contains("\"code\":\"RATE_LIMITED\"");
    }

    @Test
    void escapesInTheQueryAreDecodedBeforeTheRoomNamesAreRead() throws IOException {
        RawWebSocket.Response r = upgrade(app.port(), "/ws?room=team%3Aa%2Clobby", app.bearer("alice"));

        assertThat(r.status()).isEqualTo(101);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusalsAreAnsweredExactlyAsTheNativeTransportAnswersThem(String name, String target, String subject,
                                                                 Map<String, String> headers) throws IOException {
        RoomcastConfig config = JakartaTestApp.config().build();
        EnvelopeCodec codec = new EnvelopeCodec(config.maxMessageBytes());
        Hub hub = Hub.create(config, codec, Clock.system());
        Hs256TokenAuthenticator tokens = new Hs256TokenAuthenticator(JakartaTestApp.SECRET);
        RoomcastServer nativeServer = new RoomcastServer(config, hub, codec, JakartaChatModule.router(), Optional.of(tokens),
                InboundRatePolicy.uniform(config), JakartaChatModule.roomAuthorizer(), Optional.empty(), List.of(), List.of(),
                Clock.system()).start();
        try {
            Map<String, String> request = subject == null ? headers : with(app.bearer(subject), headers);

            RawWebSocket.Response jakarta = upgrade(app.port(), target, request);
            RawWebSocket.Response undertow = upgrade(nativeServer.port(), target, request);

            assertThat(jakarta.status()).as("status").isEqualTo(undertow.status()).isNotEqualTo(101);
            assertThat(jakarta.body()).as("body").isEqualTo(undertow.body()).startsWith("{\"error\":{\"code\":");
            assertThat(jakarta.header("content-type")).as("content type").isEqualTo(undertow.header("content-type"));
            assertThat(jakarta.header("sec-websocket-version")).as("version header")
                    .isEqualTo(undertow.header("sec-websocket-version"));
        } finally {
            nativeServer.stop();
        }
    }
}
