package dev.roomcast.auth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import java.text.ParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one verification path behind every token authenticator, whatever the algorithm: shape,
 * pinned {@code alg}, key, signature, then claims. The steps run in that order so that nothing about
 * a token's claims is judged (or revealed through a reason) before its signature is known to be
 * good. Never throws for a bad token and never logs: a reason word is all that leaves this class.
 * Thread-safe if its {@link KeySelector} is.
 */
public final class SignedTokenVerifier {
    /**
     * Longest token looked at, in characters. Real tokens are a few hundred characters; the cap keeps
     * a hostile one from costing much JSON parsing.
     */
    public static final int MAX_TOKEN_CHARS = 16 * 1024;

    private final Set<String> allowedAlgorithms;
    private final KeySelector keys;
    private final ClaimRules rules;
    private final Clock clock;

    /** A verifier that accepts only {@code allowedAlgorithms}, with keys from {@code keys}. */
    public SignedTokenVerifier(Set<JWSAlgorithm> allowedAlgorithms, KeySelector keys, ClaimRules rules, Clock clock) {
        if (allowedAlgorithms.isEmpty()) {
            throw new IllegalArgumentException("allowedAlgorithms: expected at least one algorithm");
        }
        this.allowedAlgorithms = allowedAlgorithms.stream().map(JWSAlgorithm::getName).collect(Collectors.toUnmodifiableSet());
        if (this.allowedAlgorithms.stream().anyMatch(name -> name.equalsIgnoreCase("none"))) {
            throw new IllegalArgumentException("allowedAlgorithms: 'none' is never allowed");
        }
        this.keys = Objects.requireNonNull(keys, "keys");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Verifies {@code token}; see {@link Rejection} for the reasons it can be refused. */
    public AuthResult verify(String token) {
        try {
            return verifyOrReject(token);
        } catch (RuntimeException e) {
            // A parser corner case must end as a refusal, not an exception whose message may quote the token.
            return Rejection.MALFORMED.result();
        }
    }

    private AuthResult verifyOrReject(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return Rejection.MALFORMED.result();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Rejection.MALFORMED.result();
        }
        // The alg is read from the raw header first: the library parses "alg":"none" as a different
        // object type (or fails on it), and such tokens must be reported as a refused algorithm.
        Optional<Map<String, Object>> header = jsonObject(parts[0]);
        if (header.isEmpty()) {
            return Rejection.MALFORMED.result();
        }
        if (!(header.get().get("alg") instanceof String alg) || !allowedAlgorithms.contains(alg)) {
            return Rejection.ALG_NOT_ALLOWED.result();
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return Rejection.MALFORMED.result();
        }
        Optional<JWSVerifier> verifier = keys.select(jwt.getHeader());
        if (verifier.isEmpty()) {
            return Rejection.UNKNOWN_KEY.result();
        }
        if (!signatureHolds(jwt, verifier.get())) {
            return Rejection.BAD_SIGNATURE.result();
        }
        Map<String, Object> claims = jwt.getPayload().toJSONObject();
        if (claims == null) {
            return Rejection.MALFORMED.result();
        }
        return rules.check(claims, clock.now());
    }

    private static Optional<Map<String, Object>> jsonObject(String base64Url) {
        try {
            return Optional.ofNullable(JSONObjectUtils.parse(new Base64URL(base64Url).decodeToString()));
        } catch (ParseException e) {
            return Optional.empty();
        }
    }

    private static boolean signatureHolds(SignedJWT jwt, JWSVerifier verifier) {
        try {
            return jwt.verify(verifier);
        } catch (JOSEException e) {
            // e.g. a critical header the verifier does not understand, or a signature of the wrong length
            return false;
        }
    }
}
