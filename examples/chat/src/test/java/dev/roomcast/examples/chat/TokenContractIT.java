package dev.roomcast.examples.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.roomcast.auth.Hs256TokenAuthenticator;
import dev.roomcast.auth.Rs256TokenAuthenticator;
import dev.roomcast.auth.TokenCachePolicy;
import dev.roomcast.auth.TokenRules;
import dev.roomcast.core.Clock;
import dev.roomcast.core.EnvelopeCodec;
import dev.roomcast.core.ErrorCode;
import dev.roomcast.core.EventRouter;
import dev.roomcast.core.RoomAuthorizer;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import dev.roomcast.hub.Hub;
import dev.roomcast.transport.undertow.RoomcastServer;
import dev.roomcast.transport.undertow.testing.LogCapture;
import dev.roomcast.transport.undertow.testing.RawWebSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The token rows of the upgrade contract over real sockets with the real authenticators: each bad
 * token is refused before any 101 with 401, its code and its fixed message, and neither the response
 * nor any log line ever contains the token or the secret. Each server runs twice, with its cache of
 * verified tokens on (the default) and off, and every refusal is the same either way.
 */
@Timeout(60)
class TokenContractIT {
    private static final byte[] SECRET = "token-contract-secret-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);
    private static final String ISSUER = "https://issuer.roomcast.test";
    private static final String AUDIENCE = "chat";
    private static final String INVALID_MESSAGE = ErrorCode.INVALID_TOKEN.safeMessage();

    private static KeyPair rsa;
    private static RoomcastServer hsServer;
    private static RoomcastServer rsServer;
    private static RoomcastServer hsServerUncached;
    private static RoomcastServer rsServerUncached;

    @BeforeAll
    static void startServers() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
        TokenRules rules = TokenRules.of(ISSUER, AUDIENCE);
        hsServer = start(new Hs256TokenAuthenticator(SECRET, rules, Clock.system()));
        rsServer = start(new Rs256TokenAuthenticator((RSAPublicKey) rsa.getPublic(), rules, Clock.system()));
        hsServerUncached = start(new Hs256TokenAuthenticator(SECRET, rules, TokenCachePolicy.disabled(),
                TokenCacheListener.none(), Clock.system()));
        rsServerUncached = start(new Rs256TokenAuthenticator((RSAPublicKey) rsa.getPublic(), rules,
                TokenCachePolicy.disabled(), TokenCacheListener.none(), Clock.system()));
    }

    @AfterAll
    static void stopServers() {
        hsServer.stop();
        rsServer.stop();
        hsServerUncached.stop();
        rsServerUncached.stop();
    }

    private static RoomcastServer start(TokenAuthenticator tokens) {
        RoomcastConfig config = RoomcastConfig.builder().port(0).build();
        EnvelopeCodec codec = EnvelopeCodec.of(config);
        Hub hub = Hub.create(config, codec, Clock.system());
        return new RoomcastServer(config, hub, codec, EventRouter.empty(), Optional.of(tokens), RoomAuthorizer.allowAll(),
                Optional.empty(), List.of(), List.of(), Clock.system()).start();
    }

    /** Claims that pass every rule; each case spoils one thing. */
    private static JWTClaimsSet.Builder goodClaims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject("alice").issuer(ISSUER).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    private static String hs256(JWTClaimsSet claims, byte[] key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new MACSigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rs256(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims);
            jwt.sign(new RSASSASigner(rsa.getPrivate()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String modify(Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder b = goodClaims();
        change.accept(b);
        return hs256(b.build(), SECRET);
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Each refusal, at the servers with their token cache on and at those with it off (an extra last argument). */
    static Stream<Arguments> refusalsWithAndWithoutTheCache() {
        return refusals().flatMap(a -> Stream.of(true, false).map(cached -> {
            Object[] withCache = Arrays.copyOf(a.get(), a.get().length + 1);
            withCache[withCache.length - 1] = cached;
            return Arguments.of(withCache);
        }));
    }

    /** name, server ("hs" or "rs"), token (null = none), whether it goes in the query, expected status, expected code. */
    static Stream<Arguments> refusals() {
        String good = hs256(goodClaims().build(), SECRET);
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + b64("{\"sub\":\"mallory\",\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE
                + "\",\"exp\":" + (Instant.now().getEpochSecond() + 300) + "}") + "." + parts[2];
        String algNone = b64("{\"alg\":\"none\"}") + "." + b64("{\"sub\":\"mallory\",\"iss\":\"" + ISSUER + "\",\"aud\":\""
                + AUDIENCE + "\",\"exp\":" + (Instant.now().getEpochSecond() + 300) + "}") + ".";
        String confused = hs256(goodClaims().build(), rsa.getPublic().getEncoded());
        String expStringly = b64("{\"alg\":\"HS256\"}");
        return Stream.of(
                Arguments.of("no token", "hs", null, false, 401, "TOKEN_REQUIRED"),
                Arguments.of("token in the query while query tokens are off", "hs", good, true, 401, "TOKEN_REQUIRED"),
                Arguments.of("expired", "hs", modify(b -> b.expirationTime(Date.from(Instant.now().minusSeconds(300)))), false, 401, "INVALID_TOKEN"),
                Arguments.of("not yet valid", "hs", modify(b -> b.notBeforeTime(Date.from(Instant.now().plusSeconds(300)))), false, 401, "INVALID_TOKEN"),
                Arguments.of("wrong audience", "hs", modify(b -> b.audience("billing")), false, 401, "INVALID_TOKEN"),
                Arguments.of("wrong issuer", "hs", modify(b -> b.issuer("https://evil.example")), false, 401, "INVALID_TOKEN"),
                Arguments.of("signed with another secret", "hs", hs256(goodClaims().build(),
                        "another-secret-that-is-at-least-32-bytes".getBytes(StandardCharsets.UTF_8)), false, 401, "INVALID_TOKEN"),
                Arguments.of("tampered payload", "hs", tampered, false, 401, "INVALID_TOKEN"),
                Arguments.of("alg=none", "hs", algNone, false, 401, "INVALID_TOKEN"),
                Arguments.of("RS256 token at an HS256 server", "hs", rs256(goodClaims().build()), false, 401, "INVALID_TOKEN"),
                Arguments.of("HS256 signed with the RSA public key at an RS256 server", "rs", confused, false, 401, "INVALID_TOKEN"),
                Arguments.of("exp given as a string", "hs", expStringly + "." + b64("{\"sub\":\"alice\",\"exp\":\"tomorrow\"}") + ".x", false, 401, "INVALID_TOKEN"),
                Arguments.of("not a JWT at all", "hs", "abc.def", false, 401, "INVALID_TOKEN"));
    }

    @ParameterizedTest(name = "{0}, token cache on: {6}")
    @MethodSource("refusalsWithAndWithoutTheCache")
    void aBadTokenIsRefusedBeforeTheUpgradeWithoutEchoingIt(String name, String which, String token, boolean inQuery,
                                                             int status, String code, boolean cached) throws Exception {
        RoomcastServer server = which.equals("hs") ? (cached ? hsServer : hsServerUncached) : (cached ? rsServer : rsServerUncached);
        List<String> leaks = new ArrayList<>();
        RawWebSocket.Response response;
        try (LogCapture logs = LogCapture.start(); RawWebSocket client = RawWebSocket.open(server.port())) {
            String target = "/ws?room=lobby" + (token != null && inQuery ? "&access_token=" + token : "");
            Map<String, String> headers = token != null && !inQuery ? Map.of("Authorization", "Bearer " + token) : Map.of();
            response = client.upgrade(target, headers);
            if (token != null) {
                logs.lines().stream().filter(l -> l.contains(token)).forEach(leaks::add);
            }
            logs.lines().stream().filter(l -> l.contains(new String(SECRET, StandardCharsets.UTF_8))).forEach(leaks::add);
            assertThat(logs.lines()).as("the refusal is logged").anyMatch(l -> l.contains(code));
        }
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.body()).contains("\"code\":\"" + code + "\"");
        if (code.equals("INVALID_TOKEN")) {
            assertThat(response.body()).contains(INVALID_MESSAGE);
        }
        if (token != null) {
            assertThat(response.body()).doesNotContain(token);
        }
        assertThat(leaks).as("log lines containing the token or secret").isEmpty();
    }

    @Test
    void aGoodTokenAtEitherServerIsUpgradedWithAndWithoutTheCacheAndAgainFromIt() throws Exception {
        String hsToken = hs256(goodClaims().build(), SECRET);
        String rsToken = rs256(goodClaims().build());
        for (int attempt = 0; attempt < 2; attempt++) {
            for (RoomcastServer hsAt : List.of(hsServer, hsServerUncached)) {
                try (RawWebSocket hs = RawWebSocket.open(hsAt.port())) {
                    assertThat(hs.upgrade("/ws", Map.of("Authorization", "Bearer " + hsToken)).status()).isEqualTo(101);
                }
            }
            for (RoomcastServer rsAt : List.of(rsServer, rsServerUncached)) {
                try (RawWebSocket rs = RawWebSocket.open(rsAt.port())) {
                    assertThat(rs.upgrade("/ws", Map.of("Authorization", "bearer " + rsToken)).status()).isEqualTo(101);
                }
            }
        }
    }
}
