package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import dev.roomcast.core.AuthResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens that passed full verification, by the SHA-256 of their text (never the text itself), each
 * with the identity it proved and the instant its entry stops being used: the earlier of the token's
 * {@code exp} and its insertion plus the maximum age. Only accepted tokens are kept; a refusal is
 * never stored, so a token that is wrong now is judged in full every time. At most
 * {@code maxEntries} entries: an insert into a full cache first removes one entry, an expired one
 * whenever there is one, otherwise the one whose digest follows the new token's (as good as a random
 * pick, since digests are uniform: random eviction keeps some hits when more tokens cycle through the
 * cache than it holds, where evicting the oldest would miss every one). Eviction so costs every insert
 * the same small step instead of an occasional sweep of the whole cache on an I/O thread; an insert
 * that still finds no room (other inserts took it) is skipped, as caching is only ever an
 * optimisation. No lock is taken on any path. Thread-safe.
 */
public final class VerifiedTokenCache {
    private final int maxEntries;
    private final Duration maxAge;
    /** By digest: the ordered map lets an eviction pick the entry after a given digest. */
    private final ConcurrentSkipListMap<TokenDigest, Held> entries = new ConcurrentSkipListMap<>(TokenDigest.ORDER);
    /** Every held entry's place in the order of expiry; the first is the next one to evict. */
    private final ConcurrentSkipListMap<ExpiryOrder, TokenDigest> byExpiry = new ConcurrentSkipListMap<>();
    /** Tells apart entries that expire at the same instant. */
    private final AtomicLong insertions = new AtomicLong();
    /**
     * Entries held or reserved: incremented before an insert, so the map never holds more than
     * {@link #maxEntries}; decremented by whoever removes an entry (removal is by key and value, so
     * each entry is counted out exactly once).
     */
    private final AtomicInteger size = new AtomicInteger();

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
        Held held = entries.get(key);
        if (held == null) {
            return Optional.empty();
        }
        if (!now.isBefore(held.entry().expiresAt())) {
            remove(key, held);
            return Optional.empty();
        }
        return Optional.of(held.entry());
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
        if (!now.isBefore(expiresAt) || !reserveSlot(key, now)) {
            return;
        }
        Held held = new Held(new Entry(result, expiresAt, algorithm, keyId, verifier),
                new ExpiryOrder(expiresAt, insertions.incrementAndGet()));
        if (entries.putIfAbsent(key, held) != null) {
            // Another thread cached the same token first; its entry is as good as this one.
            size.decrementAndGet();
            return;
        }
        byExpiry.put(held.order(), key);
        if (entries.get(key) != held) {
            byExpiry.remove(held.order()); // removed between the two puts: its place must not outlive it
        }
    }

    /** Removes {@code entry} if it is still the one held for {@code key}. */
    public void forget(TokenDigest key, Entry entry) {
        Held held = entries.get(key);
        if (held != null && held.entry() == entry) {
            remove(key, held);
        }
    }

    /** The number of entries held now, expired ones not yet removed included; counts them one by one (tests, diagnostics). */
    public int size() {
        return entries.size();
    }

    private void remove(TokenDigest key, Held held) {
        if (entries.remove(key, held)) {
            size.decrementAndGet();
            byExpiry.remove(held.order());
        }
    }

    /** A slot for one more entry: when full, evicts one (see the class comment), then tries once more. */
    private boolean reserveSlot(TokenDigest key, Instant now) {
        if (size.incrementAndGet() <= maxEntries) {
            return true;
        }
        size.decrementAndGet();
        if (!evictExpired(now)) {
            evictAfter(key);
        }
        if (size.incrementAndGet() <= maxEntries) {
            return true;
        }
        size.decrementAndGet();
        return false;
    }

    /** Removes the entry that expires first if it has expired at {@code now}; whether it did. */
    private boolean evictExpired(Instant now) {
        // A place whose entry is already gone (removed between its two puts) is dropped on the way.
        for (Map.Entry<ExpiryOrder, TokenDigest> first; (first = byExpiry.firstEntry()) != null; ) {
            if (now.isBefore(first.getKey().expiresAt())) {
                return false;
            }
            Held held = entries.get(first.getValue());
            if (held != null && held.order().equals(first.getKey())) {
                remove(first.getValue(), held);
                return true;
            }
            byExpiry.remove(first.getKey(), first.getValue());
        }
        return false;
    }

    private void evictAfter(TokenDigest key) {
        Map.Entry<TokenDigest, Held> victim = entries.higherEntry(key);
        if (victim == null) {
            victim = entries.firstEntry();
        }
        if (victim != null) {
            remove(victim.getKey(), victim.getValue());
        }
    }

    /** An entry with its place in {@link #byExpiry}. */
    private record Held(Entry entry, ExpiryOrder order) {
    }

    /** Expiry first, then insertion: a total order, so no two entries share a place. */
    private record ExpiryOrder(Instant expiresAt, long insertion) implements Comparable<ExpiryOrder> {
        @Override
        public int compareTo(ExpiryOrder other) {
            int byTime = expiresAt.compareTo(other.expiresAt);
            return byTime != 0 ? byTime : Long.compare(insertion, other.insertion);
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
        /** A total order over digests (any fixed one will do: it only serves to pick an eviction victim). */
        static final Comparator<TokenDigest> ORDER = Comparator.comparingLong(TokenDigest::a)
                .thenComparingLong(TokenDigest::b).thenComparingLong(TokenDigest::c).thenComparingLong(TokenDigest::d);

        /** The digest of {@code token}. */
        public static TokenDigest of(String token) {
            ByteBuffer digest = ByteBuffer.wrap(SecretBytes.sha256(token.getBytes(StandardCharsets.UTF_8)));
            return new TokenDigest(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
        }
    }
}
