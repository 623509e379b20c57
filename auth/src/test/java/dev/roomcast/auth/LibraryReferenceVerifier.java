package dev.roomcast.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.roomcast.auth.internal.ClaimRules;
import dev.roomcast.auth.internal.SignedTokenVerifier;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The verification path as it was before the header and claims were parsed with Jackson: nimbus-jose-jwt
 * does the splitting, decoding, JSON parsing and signature checks. Kept in the tests as the reference
 * that the production path must agree with, token for token. The claim rules are shared; the claims
 * reach them as the former {@code PlainJson} copy of nimbus's maps, which is what the rules saw and
 * built identities from.
 */
final class LibraryReferenceVerifier {
    private final Set<String> allowedAlgorithms;
    private final Function<JWSHeader, Optional<JWSVerifier>> keys;
    private final ClaimRules rules;
    private final Clock clock;

    LibraryReferenceVerifier(Set<String> allowedAlgorithms, Function<JWSHeader, Optional<JWSVerifier>> keys,
            ClaimRules rules, Clock clock) {
        this.allowedAlgorithms = allowedAlgorithms;
        this.keys = keys;
        this.rules = rules;
        this.clock = clock;
    }

    static LibraryReferenceVerifier hs256(byte[] secret, TokenRules rules, Clock clock) {
        try {
            MACVerifier mac = new MACVerifier(secret);
            return new LibraryReferenceVerifier(Set.of("HS256"), header -> Optional.of(mac), rules.claimRules(), clock);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    AuthResult verify(String token) {
        try {
            return verifyOrReject(token);
        } catch (RuntimeException e) {
            return AuthResult.rejected("malformed");
        }
    }

    private AuthResult verifyOrReject(String token) {
        if (token == null || token.isEmpty() || token.length() > SignedTokenVerifier.MAX_TOKEN_CHARS) {
            return AuthResult.rejected("malformed");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return AuthResult.rejected("malformed");
        }
        Optional<Map<String, Object>> header = jsonObject(parts[0]);
        if (header.isEmpty()) {
            return AuthResult.rejected("malformed");
        }
        if (!(header.get().get("alg") instanceof String alg) || !allowedAlgorithms.contains(alg)) {
            return AuthResult.rejected("alg_not_allowed");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return AuthResult.rejected("malformed");
        }
        Optional<JWSVerifier> verifier = keys.apply(jwt.getHeader());
        if (verifier.isEmpty()) {
            return AuthResult.rejected("unknown_key");
        }
        if (!signatureHolds(jwt, verifier.get())) {
            return AuthResult.rejected("bad_signature");
        }
        Map<String, Object> claims = jwt.getPayload().toJSONObject();
        if (claims == null) {
            return AuthResult.rejected("malformed");
        }
        return rules.check(plainObject(claims), clock.now());
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
            return false;
        }
    }

    /** The former {@code PlainJson.object}. */
    static Map<String, Object> plainObject(Map<?, ?> json) {
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
