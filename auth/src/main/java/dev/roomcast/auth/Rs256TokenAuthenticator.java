package dev.roomcast.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import dev.roomcast.auth.internal.SignedTokenVerifier;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import java.security.interfaces.RSAPublicKey;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens signed with RS256 by the holder of one RSA key pair, then applies
 * {@link TokenRules}. Only {@code RS256} is accepted; in particular an HS256 token is refused with
 * {@code alg_not_allowed} even if it was "signed" with this public key's bytes as an HMAC secret
 * (the algorithm-confusion attack). For keys that rotate, use {@link JwksTokenAuthenticator}.
 * Tokens accepted before are answered from a cache as {@link TokenCachePolicy} says (on by default).
 * Thread-safe; never blocks.
 */
public final class Rs256TokenAuthenticator implements TokenAuthenticator {
    /** Smallest accepted modulus, in bits (NIST SP 800-131A; RFC 7518 §3.3 requires at least 2048). */
    public static final int MIN_KEY_BITS = 2048;

    private final SignedTokenVerifier verifier;

    /** An authenticator for {@code publicKey}, which must have at least {@link #MIN_KEY_BITS} bits. */
    public Rs256TokenAuthenticator(RSAPublicKey publicKey, TokenRules rules, TokenCachePolicy cache,
            TokenCacheListener cacheListener, Clock clock) {
        Objects.requireNonNull(publicKey, "publicKey");
        int bits = publicKey.getModulus().bitLength();
        if (bits < MIN_KEY_BITS) {
            throw new IllegalArgumentException("publicKey: expected an RSA key of at least " + MIN_KEY_BITS + " bits but was " + bits);
        }
        Optional<JWSVerifier> key = Optional.of(new RSASSAVerifier(publicKey));
        this.verifier = new SignedTokenVerifier(Set.of(JWSAlgorithm.RS256), (algorithm, keyId) -> key,
                Objects.requireNonNull(rules, "rules").claimRules(), cache.newCache(), cacheListener, clock);
    }

    /** An authenticator with the default {@link TokenCachePolicy} and no cache listener. */
    public Rs256TokenAuthenticator(RSAPublicKey publicKey, TokenRules rules, Clock clock) {
        this(publicKey, rules, TokenCachePolicy.defaults(), TokenCacheListener.none(), clock);
    }

    /** An authenticator with {@link TokenRules#defaults()}, the default cache and the system clock. */
    public Rs256TokenAuthenticator(RSAPublicKey publicKey) {
        this(publicKey, TokenRules.defaults(), Clock.system());
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
