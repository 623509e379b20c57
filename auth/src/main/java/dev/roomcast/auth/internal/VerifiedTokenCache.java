package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import dev.roomcast.core.AuthResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tokens that passed full verification, by the SHA-256 of their text (never the text itself), each
 * with the identity it proved and the instant its entry stops being used: the earlier of the token's
 * {@code exp} and its insertion plus the maximum age. Only accepted tokens are kept; a refusal is
 * never stored, so a token that is wrong now is judged in full every time. At most
 * {@code maxEntries} entries: when full, one inserting thread at a time sweeps out the expired entries
 * and, if that is not enough, a tenth of the rest in the map's own (hash) order, which is as good as
 * random; an insert that still finds no room is skipped, as caching is only ever an optimisation. No
 * lock is taken on any path. Thread-safe.
 */
public final class VerifiedTokenCache {
    private final int maxEntries;
    private final Duration maxAge;
    private final ConcurrentHashMap<TokenDigest, Entry> entries = new ConcurrentHashMap<>();
    /**
     * Entries held or reserved: incremented before an insert, so the map never holds more than
     * {@link #maxEntries}; decremented by whoever removes an entry (removal is by key and value, so
     * each entry is counted out exactly once).
     */
    private final AtomicInteger size = new AtomicInteger();
    /** Set by the one thread sweeping; others that find the cache full skip their insert instead of waiting. */
    private final AtomicBoolean evicting = new AtomicBoolean();

    /** A cache of at most {@code maxEntries} tokens, each used for at most {@code maxAge}. */
    public VerifiedTokenCache(int maxEntries, Duration maxAge) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: expected at least 1 but was " + maxEntries);
        }
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge: expected a positive duration but was " + maxAge);
        }
        this.maxEntries = maxEntries;
        this.maxAge = maxAge;
    }

    /** The entry for {@code key} if there is one that is still valid at {@code now}; an expired one is removed. */
    public Optional<Entry> find(TokenDigest key, Instant now) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (!now.isBefore(entry.expiresAt())) {
            forget(key, entry);
            return Optional.empty();
        }
        return Optional.of(entry);
    }

    /**
     * Keeps {@code result} for {@code key} from {@code now} until the earlier of {@code expiry} and
     * {@code now} plus the maximum age; does nothing if that is not after {@code now} (a token accepted
     * only thanks to the clock skew) or if there is no room.
     */
    public void remember(TokenDigest key, AuthResult.Authenticated result, Optional<Instant> expiry, JWSAlgorithm algorithm,
            Optional<String> keyId, JWSVerifier verifier, Instant now) {
        Instant expiresAt = now.plus(maxAge);
        if (expiry.isPresent() && expiry.get().isBefore(expiresAt)) {
            expiresAt = expiry.get();
        }
        if (!now.isBefore(expiresAt) || !reserveSlot(now)) {
            return;
        }
        if (entries.putIfAbsent(key, new Entry(result, expiresAt, algorithm, keyId, verifier)) != null) {
            // Another thread cached the same token first; its entry is as good as this one.
            size.decrementAndGet();
        }
    }

    /** Removes {@code entry} if it is still the one held for {@code key}. */
    public void forget(TokenDigest key, Entry entry) {
        if (entries.remove(key, entry)) {
            size.decrementAndGet();
        }
    }

    /** The number of entries held now, expired ones not yet swept included. */
    public int size() {
        return entries.size();
    }

    private boolean reserveSlot(Instant now) {
        if (size.incrementAndGet() <= maxEntries) {
            return true;
        }
        size.decrementAndGet();
        evict(now);
        if (size.incrementAndGet() <= maxEntries) {
            return true;
        }
        size.decrementAndGet();
        return false;
    }

    private void evict(Instant now) {
        if (!evicting.compareAndSet(false, true)) {
            return;
        }
        try {
            // Each pass visits every entry at most once, so a sweep is bounded by maxEntries removals.
            for (Map.Entry<TokenDigest, Entry> held : entries.entrySet()) {
                if (!now.isBefore(held.getValue().expiresAt())) {
                    forget(held.getKey(), held.getValue());
                }
            }
            // Freeing a tenth at once keeps a flood of new tokens from sweeping on every insert.
            int target = maxEntries - Math.max(1, maxEntries / 10);
            Iterator<Map.Entry<TokenDigest, Entry>> it = entries.entrySet().iterator();
            while (size.get() > target && it.hasNext()) {
                Map.Entry<TokenDigest, Entry> held = it.next();
                forget(held.getKey(), held.getValue());
            }
        } finally {
            evicting.set(false);
        }
    }

    /**
     * A cached verification: the result, when it stops being used, and the key it was verified with,
     * so a hit can make sure the key is still trusted.
     */
    public record Entry(AuthResult.Authenticated result, Instant expiresAt, JWSAlgorithm algorithm, Optional<String> keyId,
            JWSVerifier verifier) {
    }

    /**
     * The SHA-256 of a token's UTF-8 bytes, as four longs. The cache holds this instead of the token,
     * so a heap dump does not hand out bearer tokens; a collision would need a second preimage of
     * SHA-256.
     */
    public record TokenDigest(long a, long b, long c, long d) {

        /** The digest of {@code token}. */
        public static TokenDigest of(String token) {
            ByteBuffer digest = ByteBuffer.wrap(SecretBytes.sha256(token.getBytes(StandardCharsets.UTF_8)));
            return new TokenDigest(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
        }
    }
}
