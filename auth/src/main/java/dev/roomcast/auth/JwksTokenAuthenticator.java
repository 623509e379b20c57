package dev.roomcast.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import dev.roomcast.auth.internal.SignedTokenVerifier;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens issued by an identity provider whose keys are published as a JWK set and
 * rotate, then applies {@link TokenRules}. Accepts {@code RS256} and {@code ES256} only; each token
 * must name its key with {@code kid} (no {@code kid}: {@code unknown_key}), and the key must be of the
 * type the token's {@code alg} needs. HS-signed tokens are refused with {@code alg_not_allowed},
 * whatever the set contains. May block while {@link JwksKeySource} fetches the set (once per TTL, or
 * for an unknown {@code kid} at most once per minimum refetch interval). Tokens accepted before are
 * answered from a cache as {@link TokenCachePolicy} says (on by default), but only while the key set
 * still holds the key that verified them: a key dropped from the set stops its cached tokens at the
 * same moment as the others, and a cached token is verified again once after each fetch. Thread-safe.
 */
public final class JwksTokenAuthenticator implements TokenAuthenticator {
    private final SignedTokenVerifier verifier;

    /** An authenticator using the keys of {@code keys}. */
    public JwksTokenAuthenticator(JwksKeySource keys, TokenRules rules, TokenCachePolicy cache,
            TokenCacheListener cacheListener, Clock clock) {
        Objects.requireNonNull(keys, "keys");
        this.verifier = new SignedTokenVerifier(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                (algorithm, keyId) -> select(keys, algorithm, keyId), Objects.requireNonNull(rules, "rules").claimRules(),
                cache.newCache(), cacheListener, clock);
    }

    /** An authenticator with the default {@link TokenCachePolicy} and no cache listener. */
    public JwksTokenAuthenticator(JwksKeySource keys, TokenRules rules, Clock clock) {
        this(keys, rules, TokenCachePolicy.defaults(), TokenCacheListener.none(), clock);
    }

    @Override
    public AuthResult authenticate(String token) {
        return verifier.verify(token);
    }

    private static Optional<JWSVerifier> select(JwksKeySource keys, JWSAlgorithm algorithm, Optional<String> kid) {
        // Without a kid there is nothing to select by, and a lookup must not trigger a fetch.
        return kid.isEmpty() || kid.get().isEmpty() ? Optional.empty() : keys.check(kid.get(), algorithm);
    }
}
