package dev.roomcast.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.roomcast.auth.internal.SecretBytes;
import dev.roomcast.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mints HS256 tokens that {@link Hs256TokenAuthenticator} with the same secret and rules accepts: for
 * examples, tests and development. Production tokens normally come from an identity provider. A
 * minted token carries {@code sub}, optionally {@code name}, {@code roles} (sorted), {@code iat},
 * {@code exp}, and the issuer and audience of the {@link TokenRules} given. Thread-safe.
 */
public final class TokenMinter {
    private final JWSSigner signer;
    private final TokenRules rules;
    private final Clock clock;

    /** A minter for {@code secret} (at least 32 bytes, copied) whose tokens satisfy {@code rules}. */
    public TokenMinter(byte[] secret, TokenRules rules, Clock clock) {
        try {
            this.signer = new MACSigner(SecretBytes.requireStrong(secret, "tokenSecret"));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("tokenSecret: not usable as an HS256 key", e);
        }
        this.rules = Objects.requireNonNull(rules, "rules");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A minter with {@link TokenRules#defaults()} and the system clock. */
    public TokenMinter(byte[] secret) {
        this(secret, TokenRules.defaults(), Clock.system());
    }

    /**
     * A compact HS256 token for {@code subject}, valid from now for {@code ttl}.
     *
     * @param subject the {@code sub} claim, non-blank
     * @param name    the {@code name} claim, if any
     * @param roles   the {@code roles} claim, possibly empty
     * @param ttl     positive lifetime; {@code exp} is now plus this, in whole seconds
     */
    public String mint(String subject, Optional<String> name, Set<String> roles, Duration ttl) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(roles, "roles");
        Objects.requireNonNull(ttl, "ttl");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("subject: expected a non-blank value");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: expected a positive duration but was " + ttl);
        }
        Instant now = clock.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .claim("roles", List.copyOf(new TreeSet<>(roles)));
        name.ifPresent(n -> claims.claim("name", n));
        rules.issuer().ifPresent(claims::issuer);
        rules.audience().ifPresent(claims::audience);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("HS256 signing failed", e);
        }
        return jwt.serialize();
    }
}
