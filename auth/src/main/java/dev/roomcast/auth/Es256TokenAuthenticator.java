package dev.roomcast.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import dev.roomcast.auth.internal.SignedTokenVerifier;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import java.security.interfaces.ECPublicKey;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens signed with ES256 (ECDSA on P-256 with SHA-256) by the holder of one EC key
 * pair, then applies {@link TokenRules}. Only {@code ES256} is accepted; HMAC and RSA tokens are
 * refused with {@code alg_not_allowed}. For keys that rotate, use {@link JwksTokenAuthenticator}.
 * Tokens accepted before are answered from a cache as {@link TokenCachePolicy} says (on by default).
 * Thread-safe; never blocks.
 */
public final class Es256TokenAuthenticator implements TokenAuthenticator {
    private final SignedTokenVerifier verifier;

    /** An authenticator for {@code publicKey}, which must be on curve P-256. */
    public Es256TokenAuthenticator(ECPublicKey publicKey, TokenRules rules, TokenCachePolicy cache,
            TokenCacheListener cacheListener, Clock clock) {
        Objects.requireNonNull(publicKey, "publicKey");
        Curve curve = Curve.forECParameterSpec(publicKey.getParams());
        if (!Curve.P_256.equals(curve)) {
            throw new IllegalArgumentException("publicKey: expected an EC key on P-256 but was on "
                    + (curve == null ? "an unknown curve" : curve.getName()));
        }
        Optional<JWSVerifier> key;
        try {
            key = Optional.of(new ECDSAVerifier(publicKey));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("publicKey: not usable for ES256", e);
        }
        this.verifier = new SignedTokenVerifier(Set.of(JWSAlgorithm.ES256), (algorithm, keyId) -> key,
                Objects.requireNonNull(rules, "rules").claimRules(), cache.newCache(), cacheListener, clock);
    }

    /** An authenticator with the default {@link TokenCachePolicy} and no cache listener. */
    public Es256TokenAuthenticator(ECPublicKey publicKey, TokenRules rules, Clock clock) {
        this(publicKey, rules, TokenCachePolicy.defaults(), TokenCacheListener.none(), clock);
    }

    /** An authenticator with {@link TokenRules#defaults()}, the default cache and the system clock. */
    public Es256TokenAuthenticator(ECPublicKey publicKey) {
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
