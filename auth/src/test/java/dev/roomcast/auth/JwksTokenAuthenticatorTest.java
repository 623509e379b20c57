package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import dev.roomcast.auth.internal.JwkSetCache;
import dev.roomcast.core.AuthResult;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The JWKS authenticator against a real HTTP server on loopback serving a key set that the test swaps. */
@Timeout(20)
class JwksTokenAuthenticatorTest {
    private static final KeyPair KEY_A = Tokens.rsaKeyPair(2048);
    private static final KeyPair KEY_B = Tokens.rsaKeyPair(2048);
    private static final KeyPair KEY_EC = Tokens.ecKeyPair("secp256r1");
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration MIN_REFETCH = Duration.ofSeconds(30);

    private final FakeClock clock = new FakeClock();
    private final AtomicReference<String> servedSet = new AtomicReference<>();
    private final AtomicInteger servedStatus = new AtomicInteger(200);
    private final AtomicInteger requests = new AtomicInteger();
    /** Released at teardown; while set, the server sends headers and half the body, then stalls on it. */
    private final CountDownLatch stall = new CountDownLatch(1);
    private final AtomicBoolean stallMidBody = new AtomicBoolean();
    private final String claims = Tokens.claims(FakeClock.START, "");
    private HttpServer server;
    private JwksKeySource keys;
    private JwksTokenAuthenticator authenticator;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", exchange -> {
            requests.incrementAndGet();
            byte[] body = servedSet.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(servedStatus.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                int firstPart = stallMidBody.get() ? body.length / 2 : body.length;
                out.write(body, 0, firstPart);
                if (stallMidBody.get()) {
                    out.flush();
                    awaitRelease();
                }
                out.write(body, firstPart, body.length - firstPart);
            } catch (IOException e) {
                // the client gave up on a stalled body; nothing to answer
            }
        });
        server.start();
        servedSet.set(jwkSet(rsa(KEY_A, "A")));
        keys = new JwksKeySource(jwksUri(), JwksRefreshPolicy.of(TTL, MIN_REFETCH), clock);
        authenticator = new JwksTokenAuthenticator(keys, TokenRules.defaults(), clock);
    }

    @AfterEach
    void stopServer() {
        stall.countDown();
        keys.close();
        server.stop(0);
        if (logs != null) {
            Logger logger = (Logger) LoggerFactory.getLogger(JwkSetCache.class);
            logger.detachAppender(logs);
            logger.setLevel(null);
            logger.setAdditive(true);
        }
    }

    @Test
    void tokenSignedWithKeyAVerifiesAfterTheFirstFetch() {
        AuthResult result = authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims));

        assertThat(result).isInstanceOfSatisfying(AuthResult.Authenticated.class,
                a -> assertThat(a.identity().subject()).isEqualTo("alice"));
        assertThat(requests).hasValue(1);
        assertThat(keys.keyIds()).containsExactly("A");
    }

    @Test
    void afterRotationATokenWithTheNewKidVerifiesOnceTheRefetchIsAllowed() {
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isInstanceOf(AuthResult.Authenticated.class);
        servedSet.set(jwkSet(rsa(KEY_B, "B")));

        // Right after a fetch the unknown kid may not trigger another one.
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_B, "B", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
        assertThat(requests).hasValue(1);

        clock.advance(MIN_REFETCH);
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_B, "B", claims))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(requests).hasValue(2);
        assertThat(keys.keyIds()).containsExactly("B");
    }

    @Test
    void tokenWithAnUnknownKidIsRejected() {
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_B, "nobody", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
    }

    @Test
    void unknownKidsRefetchAtMostOncePerMinimumInterval() {
        authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims));
        clock.advance(MIN_REFETCH);

        for (int i = 0; i < 20; i++) {
            assertThat(authenticator.authenticate(Tokens.rs256(KEY_B, "made-up-" + i, claims)))
                    .isEqualTo(AuthResult.rejected("unknown_key"));
        }
        assertThat(requests).hasValue(2);

        clock.advance(MIN_REFETCH.minusMillis(1));
        authenticator.authenticate(Tokens.rs256(KEY_B, "made-up-again", claims));
        assertThat(requests).hasValue(2);

        clock.advance(Duration.ofMillis(1));
        authenticator.authenticate(Tokens.rs256(KEY_B, "made-up-again", claims));
        assertThat(requests).hasValue(3);
    }

    @Test
    void concurrentTokensWithUnknownKidsCauseOneFetch() throws Exception {
        authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims));
        clock.advance(MIN_REFETCH);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            tokens.add(Tokens.rs256(KEY_B, "unknown-" + i, claims));
        }

        List<Future<AuthResult>> results = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String token : tokens) {
                results.add(executor.submit(() -> authenticator.authenticate(token)));
            }
            for (Future<AuthResult> result : results) {
                assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(AuthResult.rejected("unknown_key"));
            }
        }
        assertThat(requests).hasValue(2);
    }

    @Test
    void keysRemovedFromTheSetStopVerifyingOnceTheCacheTtlHasPassed() {
        servedSet.set(jwkSet(rsa(KEY_A, "A"), rsa(KEY_B, "B")));
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isInstanceOf(AuthResult.Authenticated.class);
        servedSet.set(jwkSet(rsa(KEY_B, "B")));

        clock.advance(TTL.minusSeconds(1));
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(requests).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_B, "B", claims))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(requests).hasValue(2);
    }

    @Test
    void aCachedTokenStopsVerifyingWhenItsKeyLeavesTheSetThoughItsEntryIsStillYoung() {
        RecordingCacheListener listener = new RecordingCacheListener();
        JwksTokenAuthenticator cached = new JwksTokenAuthenticator(keys, TokenRules.defaults(),
                TokenCachePolicy.of(100, TokenCachePolicy.MAX_AGE), listener, clock);
        servedSet.set(jwkSet(rsa(KEY_A, "A"), rsa(KEY_B, "B")));
        String tokenA = Tokens.rs256(KEY_A, "A", claims);
        String tokenB = Tokens.rs256(KEY_B, "B", claims);
        cached.authenticate(tokenA);
        cached.authenticate(tokenB);
        assertThat(cached.authenticate(tokenA)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).isEqualTo(1);
        servedSet.set(jwkSet(rsa(KEY_B, "B")));

        clock.advance(TTL);

        assertThat(cached.authenticate(tokenA)).isEqualTo(AuthResult.rejected("unknown_key"));
        assertThat(cached.authenticate(tokenB)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(cached.authenticate(tokenB)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).as("B verified again once after the fetch, then cached").isEqualTo(2);
        assertThat(requests).hasValue(2);
    }

    @Test
    void failedRefreshKeepsServingTheLastGoodSetAndLogsWithoutTheToken() {
        logs = captureLogs();
        String token = Tokens.rs256(KEY_A, "A", claims);
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        servedStatus.set(500);

        clock.advance(TTL);
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);

        assertThat(requests).hasValue(2);
        assertThat(logs.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).contains("/jwks.json", "failed", "keeping 1 cached keys").doesNotContain(token);
        });
    }

    @Test
    void unreachableKeySetRejectsTokensAsUnknownKeyInsteadOfThrowing() {
        servedStatus.set(503);

        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
        assertThat(keys.keyIds()).isEmpty();

        servedStatus.set(200);
        clock.advance(MIN_REFETCH);
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void hs256TokenIsRefusedEvenWhenTheSetPublishesAnHmacKeyWithItsKid() throws Exception {
        OctetSequenceKey hmac = new OctetSequenceKey.Builder(Tokens.SECRET).keyID("H").keyUse(KeyUse.SIGNATURE).build();
        servedSet.set(new JWKSet(List.<JWK>of(hmac, rsa(KEY_A, "A"))).toString(false));
        String hsToken = Tokens.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("H").build(), claims, Tokens.macSigner(Tokens.SECRET));

        assertThat(authenticator.authenticate(hsToken)).isEqualTo(AuthResult.rejected("alg_not_allowed"));
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(keys.keyIds()).containsExactly("A");
    }

    @Test
    void hs256TokenSignedWithTheRsaPublicKeyBytesIsRefused() {
        String confused = Tokens.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("A").build(), claims,
                Tokens.macSigner(KEY_A.getPublic().getEncoded()));

        assertThat(authenticator.authenticate(confused)).isEqualTo(AuthResult.rejected("alg_not_allowed"));
    }

    @Test
    void es256KeyFromTheSetVerifiesAndIsNotUsableForRs256() {
        servedSet.set(jwkSet(rsa(KEY_A, "A"), new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, (ECPublicKey) KEY_EC.getPublic())
                .keyID("E").build()));

        assertThat(authenticator.authenticate(Tokens.es256(KEY_EC, "E", claims))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "E", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
    }

    @Test
    void keysMeantForEncryptionAreNotUsedForVerification() {
        servedSet.set(jwkSet(new RSAKey.Builder((RSAPublicKey) KEY_A.getPublic()).keyID("A").keyUse(KeyUse.ENCRYPTION).build()));

        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
    }

    @Test
    void tokenWithoutKidIsRejectedWithoutFetchingTheSet() {
        String noKid = Tokens.sign(new JWSHeader(JWSAlgorithm.RS256), claims, new com.nimbusds.jose.crypto.RSASSASigner(KEY_A.getPrivate()));

        assertThat(authenticator.authenticate(noKid)).isEqualTo(AuthResult.rejected("unknown_key"));
        assertThat(requests).hasValue(0);
    }

    @Test
    void explicitRefreshWarmsTheCache() {
        assertThat(keys.refresh()).isTrue();

        assertThat(keys.keyIds()).containsExactly("A");
        assertThat(requests).hasValue(1);
    }

    @Test
    void keySourceRefusesNonHttpUrisAndARefetchIntervalLongerThanTheTtl() {
        assertThatThrownBy(() -> new JwksKeySource(URI.create("file:///etc/jwks.json")))
                .hasMessage("jwksUri: expected an http or https URI but the scheme was file");
        assertThatThrownBy(() -> JwksRefreshPolicy.of(Duration.ofSeconds(10), Duration.ofSeconds(11)))
                .hasMessage("minRefetchInterval: expected at most cacheTtl (PT10S) but was PT11S");
    }

    @Test
    void serverThatStallsMidBodyIsAbandonedAfterTheFetchTimeout() {
        stallMidBody.set(true);
        try (JwksKeySource impatient = new JwksKeySource(jwksUri(),
                new JwksRefreshPolicy(TTL, MIN_REFETCH, Duration.ofMillis(300)), clock)) {
            JwksTokenAuthenticator impatientAuthenticator = new JwksTokenAuthenticator(impatient, TokenRules.defaults(), clock);

            assertThat(impatientAuthenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
            assertThat(impatient.keyIds()).isEmpty();
        }
    }

    @Test
    void keySetLargerThanTheBodyLimitIsRefused() {
        logs = captureLogs();
        servedSet.set("{\"keys\":[],\"padding\":\"" + "x".repeat(JwkSetCache.MAX_BODY_BYTES) + "\"}");

        assertThat(authenticator.authenticate(Tokens.rs256(KEY_A, "A", claims))).isEqualTo(AuthResult.rejected("unknown_key"));
        assertThat(logs.list).singleElement().satisfies(event -> assertThat(event.getFormattedMessage()).contains("failed (IOException)"));
    }

    private void awaitRelease() {
        try {
            stall.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private URI jwksUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    }

    private ListAppender<ILoggingEvent> captureLogs() {
        Logger logger = (Logger) LoggerFactory.getLogger(JwkSetCache.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.setLevel(Level.WARN);
        logger.setAdditive(false);
        logger.addAppender(appender);
        return appender;
    }

    private static RSAKey rsa(KeyPair pair, String kid) {
        return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
    }

    private static String jwkSet(JWK... keys) {
        return new JWKSet(List.of(keys)).toString();
    }

    @Test
    void aKeySetAuthenticatorMayBlockBecauseItFetchesKeys() {
        assertThat(authenticator.mayBlock()).isTrue();
    }
}
