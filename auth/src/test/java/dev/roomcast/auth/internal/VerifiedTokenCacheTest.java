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
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bound, the eviction order and the expiry of the verified-token cache, driven by hand-picked instants. */
class VerifiedTokenCacheTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration MAX_AGE = Duration.ofMinutes(5);

    private final JWSVerifier verifier = verifier();

    @Test
    void theCacheNeverHoldsMoreThanItsBoundHoweverManyTokensArrive() {
        VerifiedTokenCache cache = new VerifiedTokenCache(100, MAX_AGE);

        for (int i = 0; i < 1_000; i++) {
            remember(cache, "token-" + i, Optional.empty(), T0.plusMillis(i));
            assertThat(cache.size()).isLessThanOrEqualTo(100);
        }

        assertThat(cache.size()).as("each insert into the full cache evicts exactly one").isEqualTo(100);
        assertThat(cache.find(digest("token-999"), T0)).as("the newest token is kept").isPresent();
    }

    @Test
    void aFullCacheEvictsExpiredEntriesBeforeAnyValidOne() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, MAX_AGE);
        for (int i = 0; i < 5; i++) {
            remember(cache, "short-" + i, Optional.of(T0.plusSeconds(10)), T0);
        }
        for (int i = 0; i < 5; i++) {
            remember(cache, "long-" + i, Optional.empty(), T0);
        }
        Instant later = T0.plusSeconds(60);

        for (int i = 0; i < 5; i++) {
            remember(cache, "new-" + i, Optional.empty(), later);
        }

        assertThat(cache.size()).isEqualTo(10);
        for (int i = 0; i < 5; i++) {
            assertThat(cache.find(digest("long-" + i), later)).isPresent();
            assertThat(cache.find(digest("new-" + i), later)).isPresent();
        }
    }

    @Test
    void withNothingExpiredOneValidEntryMakesRoomForTheNewToken() {
        VerifiedTokenCache cache = new VerifiedTokenCache(3, MAX_AGE);
        List<String> old = List.of("a", "b", "c");
        old.forEach(token -> remember(cache, token, Optional.empty(), T0));

        remember(cache, "new", Optional.empty(), T0.plusSeconds(1));

        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.find(digest("new"), T0.plusSeconds(1))).isPresent();
        assertThat(old.stream().filter(token -> cache.find(digest(token), T0.plusSeconds(1)).isPresent())).hasSize(2);
    }

    @Test
    void concurrentInsertsKeepTheBoundAndLeaveNoEntryWithoutItsPlace() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(50, MAX_AGE);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2_000; i++) {
                    remember(cache, "t" + id + "-" + i, Optional.empty(), T0.plusMillis(i));
                    if (i % 7 == 0) {
                        cache.find(digest("t" + id + "-" + (i / 2)), T0.plus(MAX_AGE).plusMillis(i / 2));
                    }
                }
            });
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }

        assertThat(cache.size()).isBetween(1, 50);
        // Every entry left has its place in the expiry order: once all have expired, 50 new tokens
        // replace exactly them (an expired entry without a place would make a valid one go instead).
        Instant allExpired = T0.plus(MAX_AGE).plusSeconds(10);
        for (int i = 0; i < 50; i++) {
            remember(cache, "after-" + i, Optional.empty(), allExpired);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(cache.find(digest("after-" + i), allExpired)).isPresent();
        }
        assertThat(cache.size()).isEqualTo(50);
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
