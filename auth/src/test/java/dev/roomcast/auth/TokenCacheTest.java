package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.TokenCacheListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cache of verified tokens behind every token authenticator, seen through the HS256 one and a
 * {@link RecordingCacheListener}: what is a hit, when an entry stops answering (the token's
 * {@code exp}, the maximum age), the bound, and that nothing but the exact token text hits.
 */
@Timeout(20)
class TokenCacheTest {
    private static final Duration SKEW = TokenRules.DEFAULT_CLOCK_SKEW;

    private final FakeClock clock = new FakeClock();
    private final RecordingCacheListener listener = new RecordingCacheListener();

    private Hs256TokenAuthenticator authenticator(TokenCachePolicy policy) {
        return new Hs256TokenAuthenticator(Tokens.SECRET, TokenRules.defaults(), policy, listener, clock);
    }

    /** A token for {@code subject} expiring {@code lifetime} after the fake clock's start. */
    private static String token(String subject, Duration lifetime) {
        return Tokens.hs256(Tokens.SECRET, "{\"sub\":\"" + subject + "\",\"exp\":"
                + FakeClock.START.plus(lifetime).getEpochSecond() + "}");
    }

    @Test
    void anAcceptedTokenIsAnsweredFromTheCacheWithTheSameIdentityTheSecondTime() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.defaults());
        String token = token("alice", Duration.ofHours(1));

        AuthResult first = authenticator.authenticate(token);
        AuthResult second = authenticator.authenticate(token);

        assertThat(first).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(second).isEqualTo(first);
        assertThat(listener.misses()).isEqualTo(1);
        assertThat(listener.hits()).isEqualTo(1);
    }

    @Test
    void aCachedTokenIsAHitUntilItsExpThenRefusedAsExpiredOnceTheSkewHasPassed() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.of(100, TokenCachePolicy.MAX_AGE));
        String token = token("alice", Duration.ofMinutes(10));
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);

        clock.advance(Duration.ofMinutes(10).minusMillis(1));
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).isEqualTo(1);

        // At exp the entry no longer answers; the full check still accepts within the skew, without caching again.
        clock.advance(Duration.ofMillis(1));
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).isEqualTo(1);

        clock.advance(SKEW);
        assertThat(authenticator.authenticate(token)).isEqualTo(AuthResult.rejected("expired"));
        assertThat(listener.hits()).isEqualTo(1);
        assertThat(listener.misses()).isEqualTo(4);
    }

    @Test
    void aCachedTokenWithZeroSkewIsRefusedTheMomentItsExpPasses() {
        TokenRules strict = TokenRules.builder().clockSkew(Duration.ZERO).build();
        Hs256TokenAuthenticator authenticator = new Hs256TokenAuthenticator(Tokens.SECRET, strict,
                TokenCachePolicy.defaults(), listener, clock);
        String token = token("alice", Duration.ofMinutes(1));
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);

        clock.advance(Duration.ofMinutes(1));

        assertThat(authenticator.authenticate(token)).isEqualTo(AuthResult.rejected("expired"));
        assertThat(listener.hits()).isEqualTo(1);
    }

    @Test
    void anEntryAnswersUntilTheMaximumAgeAndTheTokenIsThenVerifiedAndCachedAgain() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.of(100, Duration.ofMinutes(1)));
        String token = token("alice", Duration.ofHours(1));
        authenticator.authenticate(token);

        clock.advance(Duration.ofMinutes(1).minusMillis(1));
        authenticator.authenticate(token);
        assertThat(listener.hits()).as("just inside the maximum age").isEqualTo(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).as("at the maximum age").isEqualTo(1);
        assertThat(listener.misses()).isEqualTo(2);

        authenticator.authenticate(token);
        assertThat(listener.hits()).as("cached again").isEqualTo(2);
    }

    @Test
    void aCacheAtItsBoundStillAnswersEveryTokenItHolds() {
        int bound = 10;
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.of(bound, Duration.ofMinutes(5)));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < bound; i++) {
            tokens.add(token("user-" + i, Duration.ofHours(1)));
            authenticator.authenticate(tokens.get(i));
        }

        tokens.forEach(authenticator::authenticate);

        assertThat(listener.hits()).isEqualTo(bound);
    }

    @Test
    void oneTokenOverTheBoundEvictsOthersSoNotEveryTokenIsAHit() {
        int bound = 10;
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.of(bound, Duration.ofMinutes(5)));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < bound + 1; i++) {
            tokens.add(token("user-" + i, Duration.ofHours(1)));
            authenticator.authenticate(tokens.get(i));
        }
        int hitsBefore = listener.hits();

        for (String token : tokens) {
            assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        }

        assertThat(hitsBefore).isZero();
        assertThat(listener.hits()).isLessThan(bound + 1).isPositive();
    }

    @Test
    void aTokenDifferingFromACachedOneByOneCharacterIsNoHitAndIsRefused() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.defaults());
        String token = token("alice", Duration.ofHours(1));
        authenticator.authenticate(token);
        int payloadMiddle = token.indexOf('.') + (token.lastIndexOf('.') - token.indexOf('.')) / 2;
        String tamperedPayload = token.substring(0, payloadMiddle) + (token.charAt(payloadMiddle) == 'A' ? 'B' : 'A')
                + token.substring(payloadMiddle + 1);
        String tamperedSignature = TokenAttackListTest.withOneSignatureCharChanged(token);

        assertThat(authenticator.authenticate(tamperedPayload)).isEqualTo(AuthResult.rejected("bad_signature"));
        assertThat(authenticator.authenticate(tamperedSignature)).isEqualTo(AuthResult.rejected("bad_signature"));
        assertThat(listener.hits()).isZero();
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).isEqualTo(1);
    }

    @Test
    void refusedTokensAreNeverCached() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.defaults());
        String foreign = Tokens.hs256(Tokens.OTHER_SECRET, "{\"sub\":\"alice\",\"exp\":"
                + FakeClock.START.plus(Duration.ofHours(1)).getEpochSecond() + "}");

        for (int i = 0; i < 3; i++) {
            assertThat(authenticator.authenticate(foreign)).isEqualTo(AuthResult.rejected("bad_signature"));
        }

        assertThat(listener.hits()).isZero();
        assertThat(listener.misses()).isEqualTo(3);
    }

    @Test
    void aTokenNotYetValidIsRefusedEveryTimeAndAcceptedOnceItsNbfComes() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.defaults());
        long start = FakeClock.START.getEpochSecond();
        String token = Tokens.hs256(Tokens.SECRET, "{\"sub\":\"alice\",\"nbf\":" + (start + 600) + ",\"exp\":" + (start + 3600) + "}");

        assertThat(authenticator.authenticate(token)).isEqualTo(AuthResult.rejected("not_yet_valid"));
        assertThat(authenticator.authenticate(token)).isEqualTo(AuthResult.rejected("not_yet_valid"));
        clock.advance(Duration.ofMinutes(10));

        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(listener.hits()).isZero();
    }

    @Test
    void withTheCacheOffEveryTokenIsVerifiedInFullAndTheListenerHearsNothing() {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.disabled());
        String token = token("alice", Duration.ofMinutes(10));
        authenticator.authenticate(token);
        authenticator.authenticate(token);

        clock.advance(Duration.ofMinutes(10).plus(SKEW));

        assertThat(authenticator.authenticate(token)).isEqualTo(AuthResult.rejected("expired"));
        assertThat(listener.hits()).isZero();
        assertThat(listener.misses()).isZero();
    }

    @Test
    void aListenerThatThrowsNeverTurnsAnAcceptedTokenIntoARefusal() {
        TokenCacheListener throwing = new TokenCacheListener() {
            @Override
            public void onTokenCacheHit() {
                throw new IllegalStateException("hit");
            }

            @Override
            public void onTokenCacheMiss() {
                throw new IllegalStateException("miss");
            }
        };
        Hs256TokenAuthenticator authenticator = new Hs256TokenAuthenticator(Tokens.SECRET, TokenRules.defaults(),
                TokenCachePolicy.defaults(), throwing, clock);
        String token = token("alice", Duration.ofHours(1));

        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void theDefaultPolicyIsOnWithTenThousandEntriesOfFiveMinutes() {
        assertThat(TokenCachePolicy.defaults()).isEqualTo(new TokenCachePolicy(true, 10_000, Duration.ofMinutes(5)));
        assertThat(TokenCachePolicy.disabled().enabled()).isFalse();
    }

    @Test
    void concurrentLookupsOfCachedAndNewTokensOnVirtualThreadsEachGetTheirOwnIdentity() throws Exception {
        Hs256TokenAuthenticator authenticator = authenticator(TokenCachePolicy.of(16, Duration.ofMinutes(5)));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            tokens.add(token("user-" + i, Duration.ofHours(1)));
        }
        List<Future<Boolean>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 32; t++) {
                int offset = t;
                answers.add(threads.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        int k = (offset + i) % tokens.size();
                        if (!(authenticator.authenticate(tokens.get(k)) instanceof AuthResult.Authenticated a)
                                || !a.identity().subject().equals("user-" + k)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> answer : answers) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(listener.hits() + listener.misses()).isEqualTo(32 * 200);
        assertThat(listener.hits()).isPositive();
    }

    @Test
    void policyRefusesBoundsAndAgesOutsideItsLimitsAndAcceptsThemAtTheLimits() {
        assertThat(TokenCachePolicy.of(1, Duration.ofMillis(1)).maxEntries()).isEqualTo(1);
        assertThat(TokenCachePolicy.of(TokenCachePolicy.MAX_ENTRIES, TokenCachePolicy.MAX_AGE).maxAge()).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> TokenCachePolicy.of(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries");
        assertThatThrownBy(() -> TokenCachePolicy.of(TokenCachePolicy.MAX_ENTRIES + 1, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries");
        assertThatThrownBy(() -> TokenCachePolicy.of(10, Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> TokenCachePolicy.of(10, TokenCachePolicy.MAX_AGE.plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
    }
}
