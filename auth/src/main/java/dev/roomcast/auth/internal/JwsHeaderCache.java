package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import java.text.ParseException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JWS headers parsed by nimbus-jose-jwt ({@link JWSHeader#parse}), kept by their encoded form. Every
 * token of an issuer carries the same header, so under a stream of fresh tokens (each connection with
 * a newly minted one) the header's Base64 and JSON would otherwise be decoded once per token. A
 * {@link JWSHeader} is immutable, so one instance serves every thread. Bounded: once
 * {@link #MAX_ENTRIES} headers are held, others are parsed every time, so tokens with made-up headers
 * cost their parse as before but cannot grow the cache. A header the library refuses is never kept.
 */
final class JwsHeaderCache {
    /** More distinct headers than any set of issuers and keys a service trusts. */
    static final int MAX_ENTRIES = 64;
    /** Longest encoded header kept; real ones are a few dozen characters. */
    static final int MAX_ENCODED_CHARS = 512;

    private final ConcurrentHashMap<String, JWSHeader> parsed = new ConcurrentHashMap<>();

    /** The header {@code encoded} stands for, as {@link JWSHeader#parse} reads it. */
    JWSHeader parse(Base64URL encoded) throws ParseException {
        String key = encoded.toString();
        JWSHeader known = parsed.get(key);
        if (known != null) {
            return known;
        }
        JWSHeader header = JWSHeader.parse(encoded);
        if (key.length() <= MAX_ENCODED_CHARS && parsed.size() < MAX_ENTRIES) {
            parsed.putIfAbsent(key, header);
        }
        return header;
    }

    /** Headers held (for tests). */
    int size() {
        return parsed.size();
    }
}
