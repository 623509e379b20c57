package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import java.text.ParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A token's protected header whose {@code alg} is already known to be allowed, checked the way the
 * library checked it. A <em>plain</em> header has no members but {@code alg}, {@code typ}, {@code cty}
 * and {@code kid}, the last three strings or null: the common case, checked here without the library.
 * Any other header ({@code crit}, {@code b64}, {@code jwk}, {@code x5c}, {@code enc}, custom members...)
 * is parsed by the library as before, and its signature is then checked by the library too (see
 * {@link HmacSha256Check}). Made and used by one verification, on one thread.
 */
public final class JoseHeader {
    private static final Set<String> PLAIN_MEMBERS = Set.of("alg", "typ", "cty", "kid");

    private final String algorithm;
    private final Map<String, Object> json;
    private final CompactJws token;
    private final boolean plain;
    /** Parsed once, when first needed; always set for a header that is not plain. */
    private JWSHeader libraryHeader;

    private JoseHeader(String algorithm, Map<String, Object> json, CompactJws token, boolean plain, JWSHeader libraryHeader) {
        this.algorithm = algorithm;
        this.json = json;
        this.token = token;
        this.plain = plain;
        this.libraryHeader = libraryHeader;
    }

    /**
     * The header of {@code token}, read from {@code json} (see {@link TokenJson#header}) whose
     * {@code alg} is {@code algorithm}, or empty when the library would have refused it as malformed.
     */
    public static Optional<JoseHeader> of(String algorithm, Map<String, Object> json, CompactJws token) {
        if (isPlain(json)) {
            return Optional.of(new JoseHeader(algorithm, json, token, true, null));
        }
        try {
            return Optional.of(new JoseHeader(algorithm, json, token, false, parse(json, token)));
        } catch (ParseException e) {
            return Optional.empty();
        }
    }

    /** The header of {@code token}, whose {@code json} was found {@link #isPlain() plain} for another token with the same header text. */
    static JoseHeader plain(String algorithm, Map<String, Object> json, CompactJws token) {
        return new JoseHeader(algorithm, json, token, true, null);
    }

    /** The {@code alg}, one of the verifier's allowed algorithms. */
    public String algorithm() {
        return algorithm;
    }

    /** The {@code kid}, if the header names a key. */
    public Optional<String> keyId() {
        return json.get("kid") instanceof String kid ? Optional.of(kid) : Optional.empty();
    }

    /** Whether the header has only {@code alg}, {@code typ}, {@code cty} and {@code kid}. */
    public boolean isPlain() {
        return plain;
    }

    /** The header as the library's verifiers take it. */
    public JWSHeader libraryHeader() {
        if (libraryHeader == null) {
            try {
                libraryHeader = parse(json, token);
            } catch (ParseException e) {
                // isPlain made the same checks as the library's parser, so this cannot happen.
                throw new IllegalStateException("a plain header failed the library's header parser", e);
            }
        }
        return libraryHeader;
    }

    private static boolean isPlain(Map<String, Object> json) {
        for (Map.Entry<String, Object> member : json.entrySet()) {
            if (!PLAIN_MEMBERS.contains(member.getKey())) {
                return false;
            }
            // The library reads typ, cty and kid as strings and refuses any other type, null aside.
            Object value = member.getValue();
            if (value != null && !(value instanceof String)) {
                return false;
            }
        }
        return true;
    }

    private static JWSHeader parse(Map<String, Object> json, CompactJws token) throws ParseException {
        return JWSHeader.parse(json, new Base64URL(token.headerText()));
    }
}
