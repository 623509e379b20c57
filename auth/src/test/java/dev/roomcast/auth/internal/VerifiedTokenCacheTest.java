package dev.roomcast.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Identity;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bound, the sweep and the expiry of the verified-token cache, driven by hand-picked instants. */
class VerifiedTokenCacheTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration MAX_AGE = Duration.ofMinutes(5);

    private final JWSVerifier verifier = verifier();

    @Test
    void theCacheNeverHoldsMoreThanItsBoundHoweverManyTokensArrive() {
        VerifiedTokenCache cache = new VerifiedTokenCache(100, MAX_AGE);

        for (int i = 0; i < 1_000; i++) {
            remember(cache, "token-" + i, Optional.empty(), T0);
            assertThat(cache.size()).isLessThanOrEqualTo(100);
        }

        assertThat(cache.size()).isGreaterThanOrEqualTo(90);
        assertThat(cache.find(digest("token-999"), T0)).as("the newest token is kept").isPresent();
    }

    @Test
    void aFullCacheSweepsOutExpiredEntriesBeforeAnyValidOne() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, MAX_AGE);
        for (int i = 0; i < 5; i++) {
            remember(cache, "short-" + i, Optional.of(T0.plusSeconds(10)), T0);
        }
        for (int i = 0; i < 5; i++) {
            remember(cache, "long-" + i, Optional.empty(), T0);
        }
        Instant later = T0.plusSeconds(60);

        remember(cache, "new", Optional.empty(), later);

        assertThat(cache.size()).isEqualTo(6);
        for (int i = 0; i < 5; i++) {
            assertThat(cache.find(digest("long-" + i), later)).isPresent();
        }
        assertThat(cache.find(digest("new"), later)).isPresent();
    }

    @Test
    void anEntryAnswersUntilTheEarlierOfExpAndMaxAgeAndIsRemovedWhenFoundExpired() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, MAX_AGE);
        remember(cache, "exp-first", Optional.of(T0.plusSeconds(60)), T0);
        remember(cache, "age-first", Optional.of(T0.plus(Duration.ofHours(1))), T0);

        assertThat(cache.find(digest("exp-first"), T0.plusSeconds(60).minusNanos(1))).isPresent();
        assertThat(cache.find(digest("exp-first"), T0.plusSeconds(60))).isEmpty();
        assertThat(cache.find(digest("age-first"), T0.plus(MAX_AGE).minusNanos(1))).isPresent();
        assertThat(cache.find(digest("age-first"), T0.plus(MAX_AGE))).isEmpty();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aTokenWhoseExpHasPassedIsNotCachedEvenIfItWasAccepted() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, MAX_AGE);

        remember(cache, "within-skew", Optional.of(T0.minusSeconds(1)), T0);
        remember(cache, "at-exp", Optional.of(T0), T0);

        assertThat(cache.size()).isZero();
    }

    @Test
    void theDigestIsOfTheExactTokenText() {
        assertThat(digest("abc")).isEqualTo(digest("abc"));
        assertThat(digest("abc")).isNotEqualTo(digest("abd"));
        assertThat(digest("abc")).isNotEqualTo(digest(" abc"));
    }

    private void remember(VerifiedTokenCache cache, String token, Optional<Instant> exp, Instant now) {
        cache.remember(digest(token), new AuthResult.Authenticated(Identity.of("alice")), exp, JWSAlgorithm.HS256,
                Optional.empty(), verifier, now);
    }

    private static VerifiedTokenCache.TokenDigest digest(String token) {
        return VerifiedTokenCache.TokenDigest.of(token);
    }

    private static JWSVerifier verifier() {
        try {
            return new MACVerifier(new byte[32]);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
