package dev.roomcast.auth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenCacheListener;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one verification path behind every token authenticator, whatever the algorithm: shape,
 * pinned {@code alg}, key, signature, then claims. The steps run in that order so that nothing about
 * a token's claims is judged (or revealed through a reason) before its signature is known to be
 * good. Every byte of the token is read by nimbus-jose-jwt ({@link SignedJWT#parse}, its verifiers
 * and its JSON parser); this class only orders the steps and names the refusals, so there is no
 * second parser to keep equal to the library. With a {@link VerifiedTokenCache}, a token accepted
 * before is answered from the cache, without parsing or a signature check, while its entry is valid
 * and its key is still the one the {@link KeySelector} returns. Never throws for a bad token and never
 * logs: a reason word is all that leaves this class. Thread-safe if its {@code KeySelector} is.
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
    private final Optional<VerifiedTokenCache> cache;
    private final TokenCacheListener cacheListener;

    /**
     * A verifier that accepts only {@code allowedAlgorithms}, with keys from {@code keys}, answering
     * tokens it accepted before from {@code cache} if there is one and telling {@code cacheListener}
     * about each lookup.
     */
    public SignedTokenVerifier(Set<JWSAlgorithm> allowedAlgorithms, KeySelector keys, ClaimRules rules,
            Optional<VerifiedTokenCache> cache, TokenCacheListener cacheListener, Clock clock) {
        if (allowedAlgorithms.isEmpty()) {
            throw new IllegalArgumentException("allowedAlgorithms: expected at least one algorithm");
        }
        this.allowedAlgorithms = allowedAlgorithms.stream().map(JWSAlgorithm::getName).collect(Collectors.toUnmodifiableSet());
        if (this.allowedAlgorithms.stream().anyMatch(name -> name.equalsIgnoreCase("none"))) {
            throw new IllegalArgumentException("allowedAlgorithms: 'none' is never allowed");
        }
        this.keys = Objects.requireNonNull(keys, "keys");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.cache = Objects.requireNonNull(cache, "cache");
        // Wrapped so a listener that throws despite its contract can never turn a good token into a refusal.
        this.cacheListener = TokenCacheListener.all(List.of(Objects.requireNonNull(cacheListener, "cacheListener")));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Verifies {@code token}; see {@link Rejection} for the reasons it can be refused. */
    public AuthResult verify(String token) {
        try {
            if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
                return Rejection.MALFORMED.result();
            }
            Instant now = clock.now();
            if (cache.isEmpty()) {
                return verifyInFull(token, now, Optional.empty());
            }
            VerifiedTokenCache.TokenDigest digest = VerifiedTokenCache.TokenDigest.of(token);
            Optional<AuthResult> cached = fromCache(cache.get(), digest, now);
            if (cached.isPresent()) {
                cacheListener.onTokenCacheHit();
                return cached.get();
            }
            cacheListener.onTokenCacheMiss();
            return verifyInFull(token, now, Optional.of(digest));
        } catch (RuntimeException e) {
            // A parser corner case must end as a refusal, not an exception whose message may quote the token.
            return Rejection.MALFORMED.result();
        }
    }

    private Optional<AuthResult> fromCache(VerifiedTokenCache cache, VerifiedTokenCache.TokenDigest digest, Instant now) {
        Optional<VerifiedTokenCache.Entry> entry = cache.find(digest, now);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        // A key rotated out of a JWK set must stop its tokens at once, cached or not.
        Optional<JWSVerifier> key = keys.select(entry.get().algorithm(), entry.get().keyId());
        if (key.isEmpty() || key.get() != entry.get().verifier()) {
            cache.forget(digest, entry.get());
            return Optional.empty();
        }
        return Optional.of(entry.get().result());
    }

    private AuthResult verifyInFull(String token, Instant now, Optional<VerifiedTokenCache.TokenDigest> digest) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return refusalOfUnparsable(token);
        }
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm algorithm = header.getAlgorithm();
        if (!allowedAlgorithms.contains(algorithm.getName())) {
            return Rejection.ALG_NOT_ALLOWED.result();
        }
        Optional<String> keyId = Optional.ofNullable(header.getKeyID());
        Optional<JWSVerifier> verifier = keys.select(algorithm, keyId);
        if (verifier.isEmpty()) {
            return Rejection.UNKNOWN_KEY.result();
        }
        if (!signatureHolds(jwt, verifier.get())) {
            return Rejection.BAD_SIGNATURE.result();
        }
        // The payload's own JSON object, not JWTClaimsSet: its typed getters coerce ill-typed claims
        // (see ClaimRules), and every ill-typed claim must be refused instead.
        Map<String, Object> claims = jwt.getPayload().toJSONObject();
        if (claims == null) {
            return Rejection.MALFORMED.result();
        }
        Map<String, Object> plain = plainObject(claims);
        AuthResult result = rules.check(plain, now);
        if (result instanceof AuthResult.Authenticated accepted && digest.isPresent()) {
            cache.orElseThrow().remember(digest.get(), accepted, ClaimRules.expiry(plain), algorithm, keyId, verifier.get(), now);
        }
        return result;
    }

    /**
     * Why the library would not parse {@code token} as a JWS: an {@code alg} that is missing, not a
     * string or not allowed ({@code none} among them, which the library reads as another kind of
     * object) is {@code alg_not_allowed}, even when the rest of the header is broken; anything else is
     * {@code malformed}. The header is read by the library here too.
     */
    private AuthResult refusalOfUnparsable(String token) {
        Base64URL[] parts;
        Map<String, Object> header;
        try {
            parts = JOSEObject.split(token);
            if (parts.length != 3) {
                return Rejection.MALFORMED.result();
            }
            header = JSONObjectUtils.parse(parts[0].decodeToString());
        } catch (ParseException e) {
            return Rejection.MALFORMED.result();
        }
        if (header == null) {
            return Rejection.MALFORMED.result();
        }
        return header.get("alg") instanceof String alg && allowedAlgorithms.contains(alg)
                ? Rejection.MALFORMED.result() : Rejection.ALG_NOT_ALLOWED.result();
    }

    private static boolean signatureHolds(SignedJWT jwt, JWSVerifier verifier) {
        try {
            return jwt.verify(verifier);
        } catch (JOSEException e) {
            // e.g. a critical header the verifier does not understand, or a signature of the wrong length
            return false;
        }
    }

    /**
     * An immutable copy of the library's JSON object as plain Java values: members whose value is null
     * dropped (an {@code Identity} keeps no nulls), integers as {@code Long}, other numbers as
     * {@code Double}, objects and arrays copied deeply so no caller can change the cached identity.
     */
    private static Map<String, Object> plainObject(Map<?, ?> json) {
        Map<String, Object> copy = new LinkedHashMap<>();
        json.forEach((key, value) -> {
            if (value != null) {
                copy.put(String.valueOf(key), plainValue(value));
            }
        });
        return Collections.unmodifiableMap(copy);
    }

    private static Object plainValue(Object value) {
        return switch (value) {
            case Map<?, ?> map -> plainObject(map);
            case List<?> list -> plainArray(list);
            case Integer i -> i.longValue();
            case Float f -> f.doubleValue();
            default -> value;
        };
    }

    private static List<Object> plainArray(List<?> list) {
        List<Object> copy = new ArrayList<>(list.size());
        for (Object element : list) {
            copy.add(element == null ? null : plainValue(element));
        }
        return Collections.unmodifiableList(copy);
    }
}
