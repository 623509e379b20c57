package dev.roomcast.examples.chat.guides;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.auth.PasswordRoomAuthorizer;
import dev.roomcast.auth.RoomAcl;
import dev.roomcast.auth.RoomAuthorizers;
import dev.roomcast.auth.SecretBroadcastAuthorizer;
import dev.roomcast.auth.TokenCachePolicy;
import dev.roomcast.auth.TokenMinter;
import dev.roomcast.auth.TokenRules;
import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomName;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.AuthResult;
import dev.roomcast.hub.Hub;
import dev.roomcast.observability.MetricsListener;
import dev.roomcast.observability.MetricsOptions;
import dev.roomcast.observability.PrometheusMetrics;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.TestClient;
import dev.roomcast.transport.undertow.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code of the "Authentication and room authorization" guide, run against a real server with real
 * HS256 tokens, bcrypt room passwords and JDK clients.
 */
@Timeout(60)
class AuthenticationGuideIT {
    private static final byte[] TOKEN_SECRET = "guide-token-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ADMIN_SECRET = "guide-admin-secret-also-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);
    private static final TokenRules RULES = TokenRules.of("https://auth.example.com", "roomcast-chat");

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> sockets = new ArrayList<>();
    private RoomcastServer server;
    private PasswordRoomAuthorizer passwords;

    @AfterEach
    void stop() {
        sockets.forEach(WebSocket::abort);
        if (server != null) {
            server.stop();
        }
        http.close();
    }

    /** The configuration the guide shows. */
    private static RoomcastConfig guideConfig() {
        // snippet:auth-config
        RoomcastConfig config = RoomcastConfig.builder()
                .tokenSecret(TOKEN_SECRET)                     // HS256 secret, at least 32 bytes
                .allowedOrigins("https://app.example.com")     // exact match; other browser origins get 403
                .adminBroadcastEnabled(true)
                .adminBroadcastSecret(ADMIN_SECRET)            // its own secret, never the token secret
                .build();
        // end-snippet
        return config;
    }

    /** Starts the guide's server on a free port, with {@code tweak} applied to the guide's configuration. */
    private RoomcastServer start(UnaryOperator<RoomcastConfig.Builder> tweak) {
        RoomcastConfig config = tweak.apply(guideConfig().toBuilder().port(0)).build();
        // snippet:auth-server
        TokenRules rules = TokenRules.builder()
                .issuer("https://auth.example.com")
                .audience("roomcast-chat")
                .clockSkew(Duration.ofSeconds(30))
                .build();
        TokenAuthenticator tokens = new Hs256TokenAuthenticator(TOKEN_SECRET, rules, Clock.system());

        PasswordRoomAuthorizer passwords = new PasswordRoomAuthorizer(Clock.system());
        passwords.setPassword(RoomName.of("vip"), "opensesame-123");  // only the bcrypt hash is kept
        RoomAuthorizer rooms = RoomAuthorizers.allOf(
                RoomAcl.builder()
                        .allow("lobby")
                        .allow("vip")
                        .allow("team:{sub}:*")                 // alice may enter team:alice:*, not team:bob:*
                        .allowWithRole("ops:*", "operator")
                        .build(),                              // no rule matches: ROOM_FORBIDDEN
                passwords);                                    // cheap ACL first, bcrypt second

        BroadcastAuthorizer admin = new SecretBroadcastAuthorizer(
                config.adminBroadcastSecret().orElseThrow(), config.tokenSecret());

        EnvelopeCodec codec = EnvelopeCodec.of(config);
        Hub hub = Hub.create(config, codec, Clock.system());
        RoomcastServer server = new RoomcastServer(config, hub, codec, EventRouter.empty(),
                Optional.of(tokens), rooms, Optional.of(admin), List.of(), List.of(), Clock.system())
                .start();
        // end-snippet
        this.passwords = passwords;
        this.server = server;
        return server;
    }

    private RoomcastServer start() {
        return start(b -> b);
    }

    private static String token(String subject, String... roles) {
        return new TokenMinter(TOKEN_SECRET, RULES, Clock.system())
                .mint(subject, Optional.empty(), Set.of(roles), Duration.ofMinutes(5));
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> all = new HashMap<>(headers);
        all.put(name, value);
        return all;
    }

    private Handshakes.Answer upgrade(String target, Map<String, String> headers) {
        return Handshakes.upgrade(server.port(), target, headers);
    }

    private TestClient connect(String token, String query) {
        return TestClient.connect(http, URI.create(server.webSocketUri() + query), bearer(token));
    }

    private HttpResponse<String> adminPost(String query, String credential, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.httpUri() + "/_admin/broadcast" + query))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (credential != null) {
            request.header("Authorization", "Bearer " + credential);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- tokens --------------------------------------------------------------------------------

    @Test
    void aTokenMintedWithTheServersSecretAndRulesOpensAConnectionAsItsSubject() {
        RoomcastServer server = start();
        Inbox inbox = new Inbox();
        // snippet:auth-mint-and-connect
        TokenMinter minter = new TokenMinter(TOKEN_SECRET,
                TokenRules.of("https://auth.example.com", "roomcast-chat"), Clock.system());
        String token = minter.mint("alice", Optional.of("Alice"), Set.of("operator"), Duration.ofMinutes(15));

        WebSocket socket = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(server.webSocketUri() + "?room=lobby"), inbox)
                .join();
        // end-snippet
        sockets.add(socket);

        JsonNode joined = inbox.awaitType("joined");
        assertThat(joined.path("room").asText()).isEqualTo("lobby");
        assertThat(joined.path("payload").path("members").findValuesAsText("subject")).containsExactly("alice");
    }

    @Test
    void aSizedTokenCacheAnswersARepeatedTokenAndCountsTheHitAsAMetric() {
        try (PrometheusMetrics metrics = PrometheusMetrics.create()) {
            MetricsListener metricsListener = new MetricsListener(metrics.registry(), EventRouter.empty(), MetricsOptions.defaults());
            // snippet:auth-token-cache
            TokenAuthenticator tokens = new Hs256TokenAuthenticator(TOKEN_SECRET, RULES,
                    TokenCachePolicy.of(50_000, Duration.ofMinutes(2)),  // at most 50,000 tokens, each trusted 2 min at most
                    metricsListener,                                    // roomcast_token_cache_{hits,misses}_total
                    Clock.system());
            // end-snippet
            String token = token("alice");

            assertThat(tokens.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
            assertThat(tokens.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);

            assertThat(metrics.registry().scrape()).contains("roomcast_token_cache_hits_total 1.0",
                    "roomcast_token_cache_misses_total 1.0");
        }
    }

    @Test
    void theBearerSchemeIsMatchedWithoutRegardToCase() {
        start();
        assertThat(upgrade("/ws", Map.of("Authorization", "bearer " + token("alice"))).status()).isEqualTo(101);
        assertThat(upgrade("/ws", Map.of("Authorization", "BEARER " + token("alice"))).status()).isEqualTo(101);
        assertThat(upgrade("/ws", Map.of("Authorization", "Basic " + token("alice"))).code()).isEqualTo("TOKEN_REQUIRED");
    }

    @Test
    void anUpgradeWithoutATokenIsRefusedWith401AndAJsonErrorBody() {
        start();
        Handshakes.Answer answer = upgrade("/ws?room=lobby", Map.of());
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.code()).isEqualTo("TOKEN_REQUIRED");
        assertThat(answer.body()).startsWith("{\"error\":{\"code\":\"TOKEN_REQUIRED\",\"message\":");
    }

    @Test
    void aForgedExpiredOrMisaddressedTokenIsRefusedWith401InvalidToken() {
        start();
        String forged = new TokenMinter("someone-elses-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8), RULES,
                Clock.system()).mint("alice", Optional.empty(), Set.of(), Duration.ofMinutes(5));
        String otherAudience = new TokenMinter(TOKEN_SECRET, TokenRules.of("https://auth.example.com", "another-service"),
                Clock.system()).mint("alice", Optional.empty(), Set.of(), Duration.ofMinutes(5));
        Clock anHourAgo = new Clock() {
            @Override
            public Instant now() {
                return Instant.now().minus(Duration.ofHours(1));
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
        String expired = new TokenMinter(TOKEN_SECRET, RULES, anHourAgo)
                .mint("alice", Optional.empty(), Set.of(), Duration.ofMinutes(5));

        for (String token : List.of(forged, otherAudience, expired, "not-a-jwt")) {
            Handshakes.Answer answer = upgrade("/ws?room=lobby", bearer(token));
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.code()).isEqualTo("INVALID_TOKEN");
            assertThat(answer.body()).doesNotContain(token);
        }
    }

    @Test
    void theQueryStringTokenIsIgnoredUnlessQueryTokensAreEnabled() {
        start();
        assertThat(upgrade("/ws?access_token=" + token("alice"), Map.of()).code()).isEqualTo("TOKEN_REQUIRED");
        server.stop();

        start(b -> b.queryTokenEnabled(true));
        assertThat(upgrade("/ws?access_token=" + token("alice"), Map.of()).status()).isEqualTo(101);
    }

    @Test
    void anonymousAccessAdmitsClientsWithoutATokenButStillVerifiesASuppliedOne() {
        start(b -> b.allowUnauthenticated(true));
        TestClient anonymous = TestClient.connect(http, URI.create(server.webSocketUri() + "?room=lobby"), Map.of());
        assertThat(anonymous.awaitType("joined").path("payload").path("members").get(0).path("subject").asText())
                .startsWith("anonymous:");
        assertThat(upgrade("/ws?room=lobby", bearer("not-a-jwt")).code()).isEqualTo("INVALID_TOKEN");
        anonymous.close();
    }

    // ---- origins -------------------------------------------------------------------------------

    @Test
    void onlyListedBrowserOriginsAreAllowedAndRequestsWithoutOriginAreNotBrowsers() {
        start();
        Map<String, String> alice = bearer(token("alice"));
        assertThat(upgrade("/ws", alice).status()).isEqualTo(101);
        assertThat(upgrade("/ws", with(alice, "Origin", "https://app.example.com")).status()).isEqualTo(101);
        Handshakes.Answer evil = upgrade("/ws", with(alice, "Origin", "https://evil.example"));
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.code()).isEqualTo("FORBIDDEN_ORIGIN");
        assertThat(upgrade("/ws", with(alice, "Origin", "https://app.example.com:8443")).code()).isEqualTo("FORBIDDEN_ORIGIN");
    }

    @Test
    void aStarInTheOriginListIsNotAWildcardButAllowAllOriginsIs() {
        try (TestServer star = TestServer.start(RoomcastConfig.builder().allowedOrigins("*").build())) {
            Map<String, String> fromAnywhere = Map.of("Authorization", "Bearer valid:alice", "Origin", "https://evil.example");
            assertThat(Handshakes.upgrade(star.port(), "/ws", fromAnywhere).code()).isEqualTo("FORBIDDEN_ORIGIN");
        }
        start(b -> b.allowAllOrigins(true));
        Map<String, String> fromAnywhere = with(bearer(token("alice")), "Origin", "https://evil.example");
        assertThat(upgrade("/ws", fromAnywhere).status()).isEqualTo(101);
    }

    @Test
    void theFirstFailingCheckDecidesTheAnswer() {
        start();
        // origin (step 6) before the token (step 8)
        assertThat(upgrade("/ws", Map.of("Origin", "https://evil.example")).code()).isEqualTo("FORBIDDEN_ORIGIN");
        // room name (step 7) before the token (step 8)
        assertThat(upgrade("/ws?room=bad%20name", Map.of()).code()).isEqualTo("INVALID_ROOM");
        // subprotocol (step 5) before the origin (step 6)
        assertThat(upgrade("/ws", Map.of("Origin", "https://evil.example", "Sec-WebSocket-Protocol", "chat.v2")).code())
                .isEqualTo("BAD_SUBPROTOCOL");
        // a valid token, then room authorization (step 9)
        Handshakes.Answer forbidden = upgrade("/ws?room=internal", bearer(token("alice")));
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.code()).isEqualTo("ROOM_FORBIDDEN");
    }

    // ---- rooms: ACL ----------------------------------------------------------------------------

    @Test
    void theAclLetsASubjectIntoItsOwnTeamRoomsAndRequiresTheRoleForOpsRooms() {
        start();
        assertThat(upgrade("/ws?room=team:alice:general", bearer(token("alice"))).status()).isEqualTo(101);
        assertThat(upgrade("/ws?room=team:bob:general", bearer(token("alice"))).code()).isEqualTo("ROOM_FORBIDDEN");
        assertThat(upgrade("/ws?room=ops:alerts", bearer(token("alice"))).code()).isEqualTo("ROOM_FORBIDDEN");
        assertThat(upgrade("/ws?room=ops:alerts", bearer(token("alice", "operator"))).status()).isEqualTo(101);
    }

    @Test
    void theSameAuthorizerDecidesJoinEventsAfterTheUpgrade() {
        start();
        TestClient alice = connect(token("alice"), "");
        alice.sendJson(Map.of("type", "join", "room", "team:bob:general", "id", "j1"));
        JsonNode error = alice.awaitType("error");
        assertThat(error.path("id").asText()).isEqualTo("j1");
        assertThat(error.path("payload").path("code").asText()).isEqualTo("ROOM_FORBIDDEN");
        alice.sendJson(Map.of("type", "join", "room", "team:alice:general", "id", "j2"));
        assertThat(alice.awaitType("joined").path("id").asText()).isEqualTo("j2");
    }

    // ---- rooms: passwords ----------------------------------------------------------------------

    @Test
    void theRoomPasswordIsAcceptedInTheUpgradeHeaderOrTheJoinPayloadButNotInTheQuery() {
        start();
        Map<String, String> alice = bearer(token("alice"));
        assertThat(upgrade("/ws?room=vip", alice).code()).isEqualTo("ROOM_FORBIDDEN");
        assertThat(upgrade("/ws?room=vip&password=opensesame-123", alice).code()).isEqualTo("ROOM_FORBIDDEN");
        assertThat(upgrade("/ws?room=vip", with(alice, "X-Roomcast-Room-Password", "opensesame-123")).status())
                .isEqualTo(101);

        TestClient bob = connect(token("bob"), "");
        // snippet:auth-join-with-password
        bob.sendJson(Map.of("type", "join", "room", "vip", "id", "j1",
                "payload", Map.of("password", "opensesame-123")));
        // end-snippet
        assertThat(bob.awaitType("joined").path("room").asText()).isEqualTo("vip");
    }

    @Test
    void afterFiveWrongPasswordsEvenTheRightOneIsThrottledWith429() {
        start();
        Map<String, String> alice = bearer(token("alice"));
        for (int i = 0; i < 5; i++) {
            assertThat(upgrade("/ws?room=vip", with(alice, "X-Roomcast-Room-Password", "guess-" + i)).code())
                    .isEqualTo("ROOM_FORBIDDEN");
        }
        Handshakes.Answer throttled = upgrade("/ws?room=vip", with(alice, "X-Roomcast-Room-Password", "opensesame-123"));
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.code()).isEqualTo("RATE_LIMITED");
        assertThat(throttled.body()).doesNotContain("opensesame");

        TestClient bob = connect(token("bob"), "");
        bob.sendJson(Map.of("type", "join", "room", "vip", "payload", Map.of("password", "opensesame-123")));
        assertThat(bob.awaitType("error").path("payload").path("code").asText()).isEqualTo("RATE_LIMITED");
        // other rooms are not affected
        bob.sendJson(Map.of("type", "join", "room", "lobby"));
        assertThat(bob.awaitType("joined").path("room").asText()).isEqualTo("lobby");
    }

    @Test
    void changingARoomPasswordAppliesToTheNextJoinAndKeepsTheMembersInside() {
        start();
        TestClient alice = connect(token("alice"), "");
        alice.sendJson(Map.of("type", "join", "room", "vip", "payload", Map.of("password", "opensesame-123")));
        alice.awaitType("joined");

        passwords.setPassword(RoomName.of("vip"), "a-new-password");

        assertThat(upgrade("/ws?room=vip", with(bearer(token("bob")), "X-Roomcast-Room-Password", "opensesame-123")).code())
                .isEqualTo("ROOM_FORBIDDEN");
        alice.sendJson(Map.of("type", "publish", "room", "vip", "payload", Map.of("text", "still in")));
        assertThat(alice.awaitType("message").path("payload").path("text").asText()).isEqualTo("still in");
    }

    // ---- admin broadcast -----------------------------------------------------------------------

    @Test
    void theAdminEndpointBroadcastsToARoomOrEveryoneWithItsOwnSecret() throws Exception {
        start();
        TestClient alice = connect(token("alice"), "?room=lobby");
        alice.awaitType("joined");
        TestClient bob = connect(token("bob"), "");

        // snippet:auth-admin-broadcast
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.httpUri() + "/_admin/broadcast?room=lobby"))
                .header("Authorization", "Bearer " + new String(ADMIN_SECRET, StandardCharsets.UTF_8))
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"maintenance at noon\"}"))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        // end-snippet

        assertThat(response.statusCode()).isEqualTo(204);
        JsonNode message = alice.awaitType("message");
        assertThat(message.path("room").asText()).isEqualTo("lobby");
        assertThat(message.path("payload").path("text").asText()).isEqualTo("maintenance at noon");
        assertThat(message.has("from")).isFalse();

        assertThat(adminPost("", new String(ADMIN_SECRET, StandardCharsets.UTF_8), "plain words").statusCode()).isEqualTo(204);
        assertThat(bob.awaitType("message").path("payload").asText()).isEqualTo("plain words");
        assertThat(alice.awaitType("message").path("payload").asText()).isEqualTo("plain words");
    }

    @Test
    void theAdminEndpointRefusesTheTokenSecretOversizedBodiesAndBadRoomNames() throws Exception {
        start(b -> b.maxMessageBytes(1024));
        String admin = new String(ADMIN_SECRET, StandardCharsets.UTF_8);

        HttpResponse<String> tokenSecret = adminPost("", new String(TOKEN_SECRET, StandardCharsets.UTF_8), "{}");
        assertThat(tokenSecret.statusCode()).isEqualTo(401);
        assertThat(Handshakes.errorCode(tokenSecret.body())).isEqualTo("UNAUTHORIZED");
        assertThat(tokenSecret.body()).doesNotContain(new String(TOKEN_SECRET, StandardCharsets.UTF_8));
        assertThat(adminPost("", null, "{}").statusCode()).isEqualTo(401);
        assertThat(adminPost("", token("alice"), "{}").statusCode()).isEqualTo(401);

        HttpResponse<String> tooLarge = adminPost("", admin, "x".repeat(2048));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(Handshakes.errorCode(tooLarge.body())).isEqualTo("PAYLOAD_TOO_LARGE");

        HttpResponse<String> badRoom = adminPost("?room=no%20spaces", admin, "{}");
        assertThat(badRoom.statusCode()).isEqualTo(400);
        assertThat(Handshakes.errorCode(badRoom.body())).isEqualTo("INVALID_ROOM");
    }
}
