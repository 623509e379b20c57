package dev.roomcast.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.RoomAccessRequest;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomDecision;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.transport.undertow.testing.FakeTokens;
import dev.roomcast.transport.undertow.testing.LogCapture;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import dev.roomcast.transport.undertow.testing.RecordingListener;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The upgrade contract of DESIGN §4 over raw sockets: every check, its status, its {@code error.code}
 * and that nothing but the refusal was sent (no 101, no connection in the hub). One row per case,
 * each against a fresh server, plus the cases that need more than one request.
 */
@Timeout(60)
class UpgradeContractIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALLOWED_ORIGIN = "https://app.example";
    private static final String ROOM_PASSWORD = "opensesame";
    private static final String PASSWORD_HEADER = "X-Roomcast-Room-Password";

    /**
     * A fake password authorizer written for these tests: room {@code vip} needs the password
     * {@code opensesame}; room {@code throttled} always answers RATE_LIMITED (as a guessing throttle
     * would); every other room is open.
     */
    static final class PasswordRooms implements RoomAuthorizer {
        private final boolean mayBlock;

        PasswordRooms(boolean mayBlock) {
            this.mayBlock = mayBlock;
        }

        @Override
        public boolean mayBlock() {
            return mayBlock;
        }

        @Override
        public RoomDecision authorize(RoomAccessRequest request) {
            return switch (request.room().value()) {
                case "vip" -> request.password().filter(ROOM_PASSWORD::equals).isPresent()
                        ? RoomDecision.allowed() : RoomDecision.forbidden("wrong or missing room password");
                case "throttled" -> new RoomDecision.Denied(ErrorCode.RATE_LIMITED, "too many wrong guesses");
                default -> RoomDecision.allowed();
            };
        }
    }

    /**
     * One row of the table: how the server is configured, what the client sends (the standard
     * upgrade headers with {@code headers} applied, a null value removing one) and what must come back.
     */
    record Case(String name, UnaryOperator<RoomcastConfig.Builder> config, String method, String target,
                Map<String, String> headers, int status, ErrorCode code, Map<String, String> responseHeaders) {

        static Case of(String name) {
            return new Case(name, b -> b, "GET", "/ws", new LinkedHashMap<>(), 101, null, new LinkedHashMap<>());
        }

        Case named(String value) {
            return new Case(value, config, method, target, headers, status, code, responseHeaders);
        }

        Case config(UnaryOperator<RoomcastConfig.Builder> value) {
            return new Case(name, value, method, target, headers, status, code, responseHeaders);
        }

        Case method(String value) {
            return new Case(name, config, value, target, headers, status, code, responseHeaders);
        }

        Case target(String value) {
            return new Case(name, config, method, value, headers, status, code, responseHeaders);
        }

        /** Sets (or, with null, removes) a request header. */
        Case header(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Case(name, config, method, target, h, status, code, responseHeaders);
        }

        Case token(String token) {
            return header("Authorization", "Bearer " + token);
        }

        Case accepted() {
            return new Case(name, config, method, target, headers, 101, null, responseHeaders);
        }

        Case refused(ErrorCode value) {
            return new Case(name, config, method, target, headers, value.httpStatus(), value, responseHeaders);
        }

        Case responseHeader(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(responseHeaders);
            h.put(header, value);
            return new Case(name, config, method, target, headers, status, code, h);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        Case alice = Case.of("").token("valid:alice");
        return Stream.of(
                // method
                alice.method("POST").refused(ErrorCode.METHOD_NOT_ALLOWED).responseHeader("Allow", "GET")
                        .named("POST is refused with 405 METHOD_NOT_ALLOWED and Allow: GET"),
                alice.method("DELETE").refused(ErrorCode.METHOD_NOT_ALLOWED).responseHeader("Allow", "GET")
                        .named("DELETE is refused with 405 METHOD_NOT_ALLOWED"),
                // upgrade headers
                alice.header("Upgrade", null).refused(ErrorCode.BAD_UPGRADE)
                        .named("a missing Upgrade header is refused with BAD_UPGRADE"),
                alice.header("Upgrade", "h2c").refused(ErrorCode.BAD_UPGRADE)
                        .named("Upgrade: h2c is refused with BAD_UPGRADE"),
                alice.header("Connection", null).refused(ErrorCode.BAD_UPGRADE)
                        .named("a missing Connection header is refused with BAD_UPGRADE"),
                alice.header("Connection", "keep-alive").refused(ErrorCode.BAD_UPGRADE)
                        .named("Connection: keep-alive without Upgrade is refused with BAD_UPGRADE"),
                alice.header("Connection", "keep-alive, Upgrade").accepted()
                        .named("Connection: keep-alive, Upgrade (a comma list) is accepted"),
                alice.header("Connection", "upgrade").accepted()
                        .named("Connection: upgrade in lower case is accepted"),
                alice.header("Upgrade", "WebSocket").accepted()
                        .named("Upgrade: WebSocket in mixed case is accepted"),
                alice.header("Upgrade", "foo/1, websocket").accepted()
                        .named("Upgrade with websocket in a comma list is accepted"),
                // version
                alice.header("Sec-WebSocket-Version", "8").refused(ErrorCode.BAD_VERSION)
                        .responseHeader("Sec-WebSocket-Version", "13")
                        .named("version 8 is refused with BAD_VERSION naming version 13"),
                alice.header("Sec-WebSocket-Version", null).refused(ErrorCode.BAD_VERSION)
                        .responseHeader("Sec-WebSocket-Version", "13")
                        .named("a missing version is refused with BAD_VERSION naming version 13"),
                // key
                alice.header("Sec-WebSocket-Key", null).refused(ErrorCode.BAD_KEY)
                        .named("a missing key is refused with BAD_KEY"),
                alice.header("Sec-WebSocket-Key", base64Of(15)).refused(ErrorCode.BAD_KEY)
                        .named("a key of 15 bytes is refused with BAD_KEY"),
                alice.header("Sec-WebSocket-Key", base64Of(17)).refused(ErrorCode.BAD_KEY)
                        .named("a key of 17 bytes is refused with BAD_KEY"),
                alice.header("Sec-WebSocket-Key", "this is not base64!!").refused(ErrorCode.BAD_KEY)
                        .named("a key that is not base64 is refused with BAD_KEY"),
                // subprotocol
                alice.header("Sec-WebSocket-Protocol", "chat, superchat").refused(ErrorCode.BAD_SUBPROTOCOL)
                        .named("only unknown subprotocols are refused with BAD_SUBPROTOCOL"),
                alice.header("Sec-WebSocket-Protocol", "chat, roomcast.batch.v1, superchat").accepted()
                        .responseHeader("Sec-WebSocket-Protocol", "roomcast.batch.v1")
                        .named("a known subprotocol among unknown ones is chosen"),
                alice.header("Sec-WebSocket-Protocol", "roomcast.v1").accepted()
                        .responseHeader("Sec-WebSocket-Protocol", "roomcast.v1")
                        .named("roomcast.v1 alone is chosen"),
                // origin (the default row config allows exactly https://app.example)
                alice.header("Origin", "https://evil.example").refused(ErrorCode.FORBIDDEN_ORIGIN)
                        .named("an origin not in the allow-list is refused with FORBIDDEN_ORIGIN"),
                alice.header("Origin", ALLOWED_ORIGIN + ".evil.example").refused(ErrorCode.FORBIDDEN_ORIGIN)
                        .named("an origin that only starts with an allowed one is refused"),
                alice.header("Origin", "null").refused(ErrorCode.FORBIDDEN_ORIGIN)
                        .named("the opaque origin null is refused"),
                alice.header("Origin", ALLOWED_ORIGIN).accepted()
                        .named("the exact allowed origin is accepted"),
                alice.accepted().named("no Origin (not a browser) is accepted"),
                alice.config(b -> b.allowedOrigins("*")).header("Origin", "https://evil.example")
                        .refused(ErrorCode.FORBIDDEN_ORIGIN)
                        .named("a star in allowedOrigins is a literal and does not allow every origin"),
                alice.config(b -> b.allowAllOrigins(true)).header("Origin", "https://evil.example").accepted()
                        .named("allowAllOrigins allows any origin"),
                // room names
                alice.target("/ws?room=bad%20room").refused(ErrorCode.INVALID_ROOM)
                        .named("a room name with a space is refused with INVALID_ROOM"),
                alice.target("/ws?room=lobby&room=-dash").refused(ErrorCode.INVALID_ROOM)
                        .named("one invalid room among valid ones is refused with INVALID_ROOM"),
                alice.target("/ws?room=lobby,team:a").accepted()
                        .named("valid room names in a comma list are accepted"),
                alice.target("/ws?room=" + rooms(20)).accepted()
                        .named("as many rooms as the join burst (20) are accepted"),
                alice.target("/ws?room=" + rooms(21)).refused(ErrorCode.RATE_LIMITED)
                        .named("one room more than the join burst is refused with RATE_LIMITED"),
                alice.target("/ws?room=" + rooms(21) + ",-dash").refused(ErrorCode.INVALID_ROOM)
                        .named("an invalid name among too many rooms is still INVALID_ROOM"),
                alice.target("/ws?room=%zz").refused(ErrorCode.BAD_REQUEST)
                        .named("a malformed percent escape in the query is refused with a JSON 400"),
                alice.target("/ws?room=lobby%").refused(ErrorCode.BAD_REQUEST)
                        .named("a truncated percent escape in the query is refused with a JSON 400"),
                alice.target("/ws?room=lobby&utm=%G1").refused(ErrorCode.BAD_REQUEST)
                        .named("a malformed percent escape in a parameter the server does not read is refused with a JSON 400"),
                alice.target("/ws?r%6Fom=" + rooms(21)).refused(ErrorCode.RATE_LIMITED)
                        .named("an escaped parameter name is decoded too: room=, over the join burst"),
                alice.target("/ws%zz?room=lobby").refused(ErrorCode.BAD_REQUEST)
                        .named("a malformed percent escape in the path is refused with a JSON 400"),
                alice.target("/w%73?room=team%3Aa").accepted()
                        .named("escapes in the path and the query are decoded before matching"),
                alice.target("/ws?room=a+b").refused(ErrorCode.INVALID_ROOM)
                        .named("a plus in the query is a space: INVALID_ROOM"),
                // tokens
                Case.of("").refused(ErrorCode.TOKEN_REQUIRED).named("no token is refused with TOKEN_REQUIRED"),
                Case.of("").token("nope").refused(ErrorCode.INVALID_TOKEN)
                        .named("a bad token is refused with INVALID_TOKEN"),
                Case.of("").header("Authorization", "Basic dXNlcjpwYXNz").refused(ErrorCode.TOKEN_REQUIRED)
                        .named("a Basic credential is not a bearer token: TOKEN_REQUIRED"),
                Case.of("").header("Authorization", "Bearer ").refused(ErrorCode.TOKEN_REQUIRED)
                        .named("an empty bearer token is refused with TOKEN_REQUIRED"),
                Case.of("").header("Authorization", "bearer valid:alice").accepted()
                        .named("the scheme bearer in lower case is accepted"),
                Case.of("").header("Authorization", "BEARER valid:alice").accepted()
                        .named("the scheme BEARER in upper case is accepted"),
                Case.of("").target("/ws?access_token=valid:alice").refused(ErrorCode.TOKEN_REQUIRED)
                        .named("a query token is ignored unless queryTokenEnabled: TOKEN_REQUIRED"),
                Case.of("").config(b -> b.queryTokenEnabled(true)).target("/ws?access_token=valid:alice").accepted()
                        .named("a query token is accepted when queryTokenEnabled"),
                Case.of("").config(b -> b.queryTokenEnabled(true)).target("/ws?access_token=nope")
                        .refused(ErrorCode.INVALID_TOKEN)
                        .named("a bad query token is refused with INVALID_TOKEN when queryTokenEnabled"),
                Case.of("").config(b -> b.allowUnauthenticated(true)).accepted()
                        .named("no token is accepted when allowUnauthenticated"),
                Case.of("").config(b -> b.allowUnauthenticated(true)).token("nope").refused(ErrorCode.INVALID_TOKEN)
                        .named("a bad token is refused even when allowUnauthenticated"),
                // room authorization
                alice.target("/ws?room=vip").header(PASSWORD_HEADER, ROOM_PASSWORD).accepted()
                        .named("the right room password header admits to the room"),
                alice.target("/ws?room=vip").header(PASSWORD_HEADER, "wrong").refused(ErrorCode.ROOM_FORBIDDEN)
                        .named("a wrong room password is refused with ROOM_FORBIDDEN"),
                alice.target("/ws?room=vip").refused(ErrorCode.ROOM_FORBIDDEN)
                        .named("a missing room password is refused with ROOM_FORBIDDEN"),
                alice.target("/ws?room=vip&password=" + ROOM_PASSWORD).refused(ErrorCode.ROOM_FORBIDDEN)
                        .named("a room password in the query string is ignored: ROOM_FORBIDDEN"),
                alice.target("/ws?room=throttled").refused(ErrorCode.RATE_LIMITED)
                        .named("an authorizer answering RATE_LIMITED is refused with 429"),
                // path
                alice.target("/nope").refused(ErrorCode.NOT_FOUND).named("an unknown path is answered 404"),
                alice.target("/ws/more").refused(ErrorCode.NOT_FOUND).named("a path below the endpoint is answered 404"),
                // the order of the checks
                Case.of("").method("POST").header("Sec-WebSocket-Key", "bad").refused(ErrorCode.METHOD_NOT_ALLOWED)
                        .responseHeader("Allow", "GET")
                        .named("order: the method is checked before the key"),
                alice.method("POST").target("/ws?room=%zz").refused(ErrorCode.BAD_REQUEST)
                        .named("order: the query's escapes are checked before the method"),
                alice.header("Sec-WebSocket-Version", "8").header("Sec-WebSocket-Key", "bad")
                        .refused(ErrorCode.BAD_VERSION)
                        .named("order: the version is checked before the key"),
                Case.of("").header("Origin", "https://evil.example").target("/ws?room=bad%20room")
                        .refused(ErrorCode.FORBIDDEN_ORIGIN)
                        .named("order: the origin is checked before the room name and the token"),
                Case.of("").target("/ws?room=bad%20room").refused(ErrorCode.INVALID_ROOM)
                        .named("order: the room name is checked before the token"),
                Case.of("").target("/ws?room=" + rooms(21)).refused(ErrorCode.RATE_LIMITED)
                        .named("order: the number of rooms is checked before the token"),
                Case.of("").token("nope").target("/ws?room=vip").refused(ErrorCode.INVALID_TOKEN)
                        .named("order: the token is checked before the room password"));
    }

    /** {@code n} distinct valid room names, comma-separated. */
    private static String rooms(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("r" + i);
        }
        return String.join(",", names);
    }

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TestServer start(UnaryOperator<RoomcastConfig.Builder> config, RecordingListener listener) {
        return start(config, listener, true);
    }

    /** {@code checksMayBlock} false: authenticator and authorizer say they never block, so the checks run on the I/O thread. */
    private TestServer start(UnaryOperator<RoomcastConfig.Builder> config, RecordingListener listener, boolean checksMayBlock) {
        RoomcastConfig.Builder b = RoomcastConfig.builder().workerCount(2).jobQueueSize(64)
                .allowedOrigins(ALLOWED_ORIGIN);
        server = TestServer.builder().config(config.apply(b).build()).roomAuthorizer(new PasswordRooms(checksMayBlock))
                .tokenAuthenticator(checksMayBlock ? new FakeTokens() : FakeTokens.neverBlocking())
                .listener(listener).start();
        return server;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void upgradeIsAnsweredAsTheContractTableSays(Case c) throws IOException {
        assertContract(c, true);
    }

    /** The same table with checks that never block, which run on the I/O thread that read the request. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void upgradeWithChecksOnTheIoThreadIsAnsweredAsTheContractTableSays(Case c) throws IOException {
        assertContract(c, false);
    }

    private void assertContract(Case c, boolean checksMayBlock) throws IOException {
        RecordingListener listener = new RecordingListener();
        start(c.config(), listener, checksMayBlock);
        Map<String, String> headers = RawWebSocket.upgradeHeaders();
        c.headers().forEach((k, v) -> {
            if (v == null) {
                headers.remove(k);
            } else {
                headers.put(k, v);
            }
        });
        try (RawWebSocket ws = RawWebSocket.open(server.port())) {
            RawWebSocket.Response response = ws.request(c.method(), c.target(), headers);

            assertThat(response.status()).as("status").isEqualTo(c.status());
            c.responseHeaders().forEach((k, v) -> assertThat(response.header(k)).as("response header %s", k).isEqualTo(v));
            if (c.code() == null) {
                assertThat(response.header("Sec-WebSocket-Accept")).isEqualTo(acceptFor(headers.get("Sec-WebSocket-Key")));
                if (!c.responseHeaders().containsKey("Sec-WebSocket-Protocol")) {
                    assertThat(response.header("Sec-WebSocket-Protocol")).as("no subprotocol when none was asked for")
                            .isNull();
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 1);
                assertThat(listener.historyOf(RecordingListener.UpgradeRejected.class)).isEmpty();
            } else {
                assertRefusal(response, c.code());
                // a wrong path, or a path that does not decode, never reaches the upgrade pipeline (a query
                // that does not decode does: the pipeline's parser decodes it)
                boolean reachesPipeline = c.code() != ErrorCode.NOT_FOUND
                        && (c.code() != ErrorCode.BAD_REQUEST || c.target().startsWith("/ws?"));
                if (reachesPipeline) {
                    assertThat(listener.awaitRejected().code()).isEqualTo(c.code());
                }
                assertThat(server.hub().activeConnectionCount()).as("connections in the hub").isZero();
                assertThat(server.hub().registrationCount()).as("room registrations").isZero();
            }
        }
    }

    @Test
    void anAnonymousClientIsAdmittedWithAnAnonymousIdentity() throws IOException {
        start(b -> b.allowUnauthenticated(true), new RecordingListener());
        try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws?room=lobby", null)) {
            JsonNode joined = JSON.readTree(ws.readUntil(RawWebSocket.OP_TEXT).text());
            assertThat(joined.path("type").asText()).isEqualTo("joined");
            assertThat(joined.path("payload").path("members").get(0).path("subject").asText()).startsWith("anonymous:");
        }
    }

    @Test
    void aConnectionOverMaxConnectionsIsRefusedWithHubFullAndChangesNoCounter() throws IOException {
        start(b -> b.maxConnections(1), new RecordingListener());
        try (RawWebSocket first = RawWebSocket.connect(server.port(), "/ws?room=lobby", "alice");
             RawWebSocket second = RawWebSocket.open(server.port())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 1);

            RawWebSocket.Response response = second.upgrade("/ws?room=lobby", Map.of("Authorization", "Bearer valid:bob"));

            assertRefusal(response, ErrorCode.HUB_FULL);
            assertThat(server.hub().activeConnectionCount()).isEqualTo(1);
            assertThat(server.hub().registrationCount()).isEqualTo(1);
            assertThat(server.hub().roomCount(RoomName.of("lobby"))).isEqualTo(1);
        }
    }

    @Test
    void aMemberOverMaxRoomConnectionsIsRefusedWithRoomFullAndChangesNoCounter() throws IOException {
        start(b -> b.maxRoomConnections(1), new RecordingListener());
        try (RawWebSocket first = RawWebSocket.connect(server.port(), "/ws?room=lobby", "alice");
             RawWebSocket second = RawWebSocket.open(server.port())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 1);

            RawWebSocket.Response response = second.upgrade("/ws?room=lobby", Map.of("Authorization", "Bearer valid:bob"));

            assertRefusal(response, ErrorCode.ROOM_FULL);
            assertThat(server.hub().activeConnectionCount()).isEqualTo(1);
            assertThat(server.hub().registrationCount()).isEqualTo(1);
            assertThat(server.hub().roomCount(RoomName.of("lobby"))).isEqualTo(1);
            // the slot freed by the refusal is really free: another room still admits a second client
            try (RawWebSocket third = RawWebSocket.connect(server.port(), "/ws?room=other", "carol")) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server.hub().activeConnectionCount() == 2);
            }
        }
    }

    @Test
    void anUpgradeAfterTheHubBeganShuttingDownIsRefusedWithShuttingDown() throws IOException {
        start(b -> b, new RecordingListener());
        server.hub().shutdown(Duration.ofSeconds(1)); // no members: returns at once; the listener stays bound
        try (RawWebSocket ws = RawWebSocket.open(server.port())) {
            assertRefusal(ws.upgrade("/ws", Map.of("Authorization", "Bearer valid:alice")), ErrorCode.SHUTTING_DOWN);
        }
    }

    @Test
    void neitherResponsesNorLogLinesNorListenersEverContainATokenOrAPassword() throws IOException {
        String badToken = "s3cr3t-token-value";
        String wrongPassword = "wr0ng-passw0rd";
        List<String> secrets = List.of(badToken, wrongPassword, ROOM_PASSWORD, "valid:alice", "valid:bob");
        RecordingListener listener = new RecordingListener();
        List<String> bodies = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            start(b -> b.queryTokenEnabled(false), listener);
            List<Map.Entry<String, Map<String, String>>> requests = List.of(
                    Map.entry("/ws", Map.of("Authorization", "Bearer " + badToken)),
                    Map.entry("/ws?room=vip", Map.of("Authorization", "Bearer valid:alice", PASSWORD_HEADER, wrongPassword)),
                    Map.entry("/ws?room=vip&password=" + ROOM_PASSWORD, Map.of("Authorization", "Bearer valid:alice")),
                    Map.entry("/ws?access_token=valid:bob", Map.of()),
                    Map.entry("/ws?room=bad%20room&access_token=" + badToken, Map.of()),
                    Map.entry("/nope?access_token=" + badToken, Map.of("Authorization", "Bearer " + badToken)),
                    Map.entry("/ws?room=vip", Map.of("Authorization", "Bearer valid:alice", PASSWORD_HEADER, ROOM_PASSWORD)));
            for (Map.Entry<String, Map<String, String>> r : requests) {
                try (RawWebSocket ws = RawWebSocket.open(server.port())) {
                    RawWebSocket.Response response = ws.upgrade(r.getKey(), r.getValue());
                    bodies.add(response.status() + " " + response.headers() + " " + response.body());
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.historyOf(RecordingListener.UpgradeRejected.class).size() == 5);
            server.close();
            server = null;

            List<String> lines = logs.lines();
            assertThat(lines).as("the test saw the refusals being logged").anyMatch(l -> l.contains("INVALID_TOKEN"));
            for (String secret : secrets) {
                assertThat(bodies).as("responses").noneMatch(b -> b.contains(secret));
                assertThat(lines).as("log lines").noneMatch(l -> l.contains(secret));
                assertThat(listener.historyOf(RecordingListener.UpgradeRejected.class)).as("listener details")
                        .noneMatch(e -> e.detail().contains(secret));
            }
        }
    }

    private static void assertRefusal(RawWebSocket.Response response, ErrorCode code) throws IOException {
        assertThat(response.status()).as("status").isEqualTo(code.httpStatus());
        assertThat(response.header("Sec-WebSocket-Accept")).as("no handshake answer").isNull();
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("error").path("code").asText()).as("error.code in %s", response.body()).isEqualTo(code.name());
        assertThat(body.path("error").path("message").asText()).isEqualTo(code.safeMessage());
    }

    private static String base64Of(int bytes) {
        return Base64.getEncoder().encodeToString(new byte[bytes]);
    }

    private static String acceptFor(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
