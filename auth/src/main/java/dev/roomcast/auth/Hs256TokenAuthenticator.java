package dev.roomcast.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import dev.roomcast.auth.internal.SecretBytes;
import dev.roomcast.auth.internal.SignedTokenVerifier;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens signed with HS256 and a shared secret, then applies {@link TokenRules}. For
 * a single service that also issues its tokens (or for development, with {@link TokenMinter}); when
 * an identity provider issues them, prefer {@link JwksTokenAuthenticator}. Only {@code HS256} is
 * accepted: {@code none}, other HMAC sizes and every public-key algorithm are refused with
 * {@code alg_not_allowed}. Tokens accepted before are answered from a cache as {@link TokenCachePolicy}
 * says (on by default). Thread-safe; never blocks.
 */
public final class Hs256TokenAuthenticator implements TokenAuthenticator {
    private final SignedTokenVerifier verifier;

    /**
     * An authenticator for {@code secret}, which must be at least 32 bytes (RFC 7518 §3.2) and is
     * copied, so later changes to the caller's array have no effect.
     */
    public Hs256TokenAuthenticator(byte[] secret, TokenRules rules, TokenCachePolicy cache, TokenCacheListener cacheListener,
            Clock clock) {
        Optional<JWSVerifier> key;
        try {
            key = Optional.of(new MACVerifier(SecretBytes.requireStrong(secret, "tokenSecret")));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("tokenSecret: not usable as an HS256 key", e);
        }
        this.verifier = new SignedTokenVerifier(Set.of(JWSAlgorithm.HS256), (algorithm, keyId) -> key,
                Objects.requireNonNull(rules, "rules").claimRules(), cache.newCache(), cacheListener, clock);
    }

    /** An authenticator with the default {@link TokenCachePolicy} and no cache listener. */
    public Hs256TokenAuthenticator(byte[] secret, TokenRules rules, Clock clock) {
        this(secret, rules, TokenCachePolicy.defaults(), TokenCacheListener.none(), clock);
    }

    /** An authenticator with {@link TokenRules#defaults()}, the default cache and the system clock. */
    public Hs256TokenAuthenticator(byte[] secret) {
        this(secret, TokenRules.defaults(), Clock.system());
    }

    @Override
    public AuthResult authenticate(String token) {
        return verifier.verify(token);
    }

    /** A signature check against a key held in memory: quick, and never waits for anything. */
    @Override
    public boolean mayBlock() {
        return false;
    }
}
