package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Clock;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

/**
 * The one verification path behind every token authenticator, whatever the algorithm: shape,
 * pinned {@code alg}, key, signature, then claims. The steps run in that order so that nothing about
 * a token's claims is judged (or revealed through a reason) before its signature is known to be
 * good. The header and the claims are each decoded and parsed once ({@link CompactJws},
 * {@link TokenJson}); every token gets the answer nimbus-jose-jwt's parsing gave it before. A plain
 * header already seen (see {@link RecentHeaders}) is not read again. Never throws
 * for a bad token and never logs: a reason word is all that leaves this class. Thread-safe if its
 * {@link KeySelector} is.
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
    private final TokenJson json = new TokenJson();
    private final RecentHeaders recentHeaders = new RecentHeaders();

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
        Optional<CompactJws> parts = CompactJws.split(token);
        if (parts.isEmpty()) {
            return Rejection.MALFORMED.result();
        }
        CompactJws jws = parts.get();
        Optional<JoseHeader> header = recentHeaders.find(jws);
        if (header.isEmpty()) {
            Optional<Map<String, Object>> headerJson = json.header(jws.header());
            if (headerJson.isEmpty()) {
                return Rejection.MALFORMED.result();
            }
            // A missing, non-string or unlisted alg ("none" among them) is a refused algorithm, not a
            // malformed token, even when the rest of the header would not parse.
            if (!(headerJson.get().get("alg") instanceof String alg) || !allowedAlgorithms.contains(alg)) {
                return Rejection.ALG_NOT_ALLOWED.result();
            }
            header = JoseHeader.of(alg, headerJson.get(), jws);
            if (header.isPresent() && header.get().isPlain()) {
                recentHeaders.remember(jws, alg, headerJson.get());
            }
        }
        if (header.isEmpty() || jws.signatureIsEmpty()) {
            return Rejection.MALFORMED.result();
        }
        Optional<SignatureCheck> key = keys.select(header.get());
        if (key.isEmpty()) {
            return Rejection.UNKNOWN_KEY.result();
        }
        if (!key.get().holds(header.get(), jws)) {
            return Rejection.BAD_SIGNATURE.result();
        }
        Optional<Map<String, Object>> claims = json.claims(jws.payload());
        if (claims.isEmpty()) {
            return Rejection.MALFORMED.result();
        }
        return rules.check(claims.get(), clock.now());
    }

    /**
     * The last few plain headers that passed the {@code alg} check, by their text. What reading a
     * header yields depends on its text alone, and an issuer's tokens share one header, so most tokens
     * skip decoding and parsing theirs. Only short headers are kept (a real one is a few dozen
     * characters); slots are replaced in turn, without locking, as entries are immutable: a lost
     * update only costs a later miss.
     */
    private static final class RecentHeaders {
        private static final int SLOTS = 4;
        private static final int MAX_TEXT_CHARS = 256;

        private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);
        private final AtomicInteger nextSlot = new AtomicInteger();

        Optional<JoseHeader> find(CompactJws jws) {
            for (int i = 0; i < SLOTS; i++) {
                Entry entry = slots.get(i);
                if (entry != null && jws.headerTextIs(entry.text())) {
                    return Optional.of(JoseHeader.plain(entry.algorithm(), entry.json(), jws));
                }
            }
            return Optional.empty();
        }

        void remember(CompactJws jws, String algorithm, Map<String, Object> json) {
            if (jws.headerTextLength() <= MAX_TEXT_CHARS) {
                Entry entry = new Entry(jws.headerText(), algorithm, Collections.unmodifiableMap(json));
                slots.set(Math.floorMod(nextSlot.getAndIncrement(), SLOTS), entry);
            }
        }

        private record Entry(String text, String algorithm, Map<String, Object> json) {
        }
    }
}
