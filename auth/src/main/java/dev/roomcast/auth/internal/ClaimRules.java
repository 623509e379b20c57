package dev.roomcast.auth.internal;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Identity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The claim checks run after a signature has been verified, and the mapping of the claims to an
 * {@link Identity}. Claims are read from the raw JSON object rather than through the library's
 * typed accessors because those coerce values (a numeric {@code sub} becomes a string, an
 * out-of-range {@code exp} wraps to 1969); here every ill-typed claim is {@code bad_claim}. Checks run
 * in this order, the first failure deciding: claim types, {@code exp}, {@code nbf}, {@code iss},
 * {@code aud}, {@code sub}.
 *
 * @param issuer        the required {@code iss}, if any
 * @param audience      a value {@code aud} must contain, if any
 * @param clockSkew     tolerance applied to {@code exp} and {@code nbf}
 * @param requireExpiry whether a token without {@code exp} is refused
 */
public record ClaimRules(Optional<String> issuer, Optional<String> audience, Duration clockSkew, boolean requireExpiry) {
    /** Largest NumericDate accepted: 9999-12-31T23:59:59Z. Anything later is a broken or hostile token. */
    private static final long MAX_EPOCH_SECONDS = 253_402_300_799L;

    public ClaimRules {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("clockSkew: expected zero or more but was " + clockSkew);
        }
    }

    /**
     * Checks {@code claims} at {@code now} and maps them to an identity, or names the first rule broken.
     * The claims are plain values (maps, lists, strings, {@code Long}, {@code Double}, {@code Boolean}),
     * as the verifier copies them from the library's JSON object; they become the identity's claims.
     */
    public AuthResult check(Map<String, Object> claims, Instant now) {
        Object exp = claims.get("exp");
        Object nbf = claims.get("nbf");
        Object iss = claims.get("iss");
        Object aud = claims.get("aud");
        Object sub = claims.get("sub");
        Object roles = claims.get("roles");
        if (!isNumericDate(exp) || !isNumericDate(nbf) || !isNumericDate(claims.get("iat"))
                || !isOptionalString(iss) || !isOptionalString(sub)
                || !isStringOrStrings(aud) || !isStringArray(roles)) {
            return Rejection.BAD_CLAIM.result();
        }
        if (exp == null) {
            if (requireExpiry) {
                return Rejection.BAD_CLAIM.result();
            }
        } else if (!now.isBefore(instant((Number) exp).plus(clockSkew))) {
            return Rejection.EXPIRED.result();
        }
        if (nbf != null && now.plus(clockSkew).isBefore(instant((Number) nbf))) {
            return Rejection.NOT_YET_VALID.result();
        }
        if (issuer.isPresent() && !issuer.get().equals(iss)) {
            return Rejection.WRONG_ISSUER.result();
        }
        if (audience.isPresent() && !audiences(aud).contains(audience.get())) {
            return Rejection.WRONG_AUDIENCE.result();
        }
        if (sub == null || ((String) sub).isBlank()) {
            return Rejection.MISSING_SUBJECT.result();
        }
        return AuthResult.authenticated(identity((String) sub, claims, roles));
    }

    /**
     * The instant of {@code claims}' {@code exp}, if it has one, for claims that {@link #check} accepted
     * (so an {@code exp} present is a valid NumericDate). Without the clock skew: a cache entry ends at
     * the token's own expiry.
     */
    public static Optional<Instant> expiry(Map<String, Object> claims) {
        return claims.get("exp") instanceof Number exp ? Optional.of(instant(exp)) : Optional.empty();
    }

    private static Identity identity(String subject, Map<String, Object> claims, Object roles) {
        Optional<String> name = claims.get("name") instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
        // isStringArray has checked every role, so the copy holds strings only. An immutable set is
        // what Identity keeps, so it takes this one without copying it again.
        @SuppressWarnings("unchecked")
        Set<String> roleSet = roles == null ? Set.of() : Set.copyOf((List<String>) roles);
        return new Identity(subject, name, roleSet, claims);
    }

    private static boolean isNumericDate(Object value) {
        return switch (value) {
            case null -> true;
            case Long l -> l >= 0 && l <= MAX_EPOCH_SECONDS;
            case Integer i -> i >= 0;
            case Double d -> Double.isFinite(d) && d >= 0 && d <= MAX_EPOCH_SECONDS;
            default -> false;
        };
    }

    private static Instant instant(Number numericDate) {
        if (numericDate instanceof Double d) {
            long seconds = (long) Math.floor(d);
            return Instant.ofEpochSecond(seconds, (long) ((d - seconds) * 1_000_000_000L));
        }
        return Instant.ofEpochSecond(numericDate.longValue());
    }

    private static boolean isOptionalString(Object value) {
        return value == null || value instanceof String;
    }

    private static boolean isStringOrStrings(Object value) {
        return value == null || value instanceof String || isStringArray(value);
    }

    private static boolean isStringArray(Object value) {
        if (value == null) {
            return true;
        }
        if (!(value instanceof List<?> list)) {
            return false;
        }
        for (Object element : list) {
            if (!(element instanceof String)) {
                return false;
            }
        }
        return true;
    }

    private static List<?> audiences(Object aud) {
        return switch (aud) {
            case null -> List.of();
            case String s -> List.of(s);
            case List<?> list -> list;
            default -> List.of();
        };
    }
}
