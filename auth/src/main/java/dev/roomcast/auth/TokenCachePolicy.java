package dev.roomcast.auth;

import dev.roomcast.auth.internal.VerifiedTokenCache;
import dev.roomcast.core.Identity;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether and how a token authenticator keeps the tokens it has accepted, so a client that
 * reconnects with the same token is answered without parsing it or checking its signature again. An
 * entry is keyed by the SHA-256 of the token (the token itself is never stored) and holds the
 * {@link Identity} it proved; it is used until the earlier of the token's
 * {@code exp} and its insertion plus {@link #maxAge()}, checked against the authenticator's clock on
 * every hit, and only while the key that verified it is still trusted. Refusals are never cached.
 * When the cache is full, expired entries are swept out first, then a tenth of the others.
 *
 * @param enabled    whether tokens are cached; default {@code true}
 * @param maxEntries most tokens held at once, 1 to {@link #MAX_ENTRIES}; default {@link #DEFAULT_MAX_ENTRIES}
 * @param maxAge     longest an entry is used, however far away the token's {@code exp} is, from 1 ms to
 *                   {@link #MAX_AGE}; default {@link #DEFAULT_MAX_AGE}
 */
public record TokenCachePolicy(boolean enabled, int maxEntries, Duration maxAge) {
    /** Default {@link #maxEntries()}: about 10 MB of identities at 1 KB each. */
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    /** Largest accepted {@link #maxEntries()}. */
    public static final int MAX_ENTRIES = 1_000_000;
    /** Default {@link #maxAge()}. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
    /** Largest accepted {@link #maxAge()}: an accepted token is re-checked (keys, claims) at least this often. */
    public static final Duration MAX_AGE = Duration.ofHours(1);

    public TokenCachePolicy {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxEntries < 1 || maxEntries > MAX_ENTRIES) {
            throw new IllegalArgumentException("maxEntries: expected between 1 and " + MAX_ENTRIES + " but was " + maxEntries);
        }
        if (maxAge.compareTo(Duration.ofMillis(1)) < 0 || maxAge.compareTo(MAX_AGE) > 0) {
            throw new IllegalArgumentException("maxAge: expected between PT0.001S and " + MAX_AGE + " but was " + maxAge);
        }
    }

    /** The cache on, with {@link #DEFAULT_MAX_ENTRIES} entries of at most {@link #DEFAULT_MAX_AGE}. */
    public static TokenCachePolicy defaults() {
        return new TokenCachePolicy(true, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_AGE);
    }

    /** The cache on, with at most {@code maxEntries} entries of at most {@code maxAge}. */
    public static TokenCachePolicy of(int maxEntries, Duration maxAge) {
        return new TokenCachePolicy(true, maxEntries, maxAge);
    }

    /** No cache: every token is parsed and its signature checked. */
    public static TokenCachePolicy disabled() {
        return new TokenCachePolicy(false, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_AGE);
    }

    /** The cache this policy asks for, if any. */
    Optional<VerifiedTokenCache> newCache() {
        return enabled ? Optional.of(new VerifiedTokenCache(maxEntries, maxAge)) : Optional.empty();
    }
}
