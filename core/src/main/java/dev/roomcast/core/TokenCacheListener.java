package dev.roomcast.core;

import java.util.List;

/**
 * Port: telemetry hook for a token authenticator's cache of verified tokens, so the cache's hit rate
 * can be measured without {@code auth} knowing about any metrics library. An authenticator with its
 * cache on calls exactly one of the two methods for every token it looks up (a token too long to be
 * looked at is not looked up), on the thread that authenticates, which may be an I/O thread.
 * Implementations must be fast, thread-safe, must not block and must not throw. Every method has a
 * no-op default.
 */
public interface TokenCacheListener {

    /** A token was found in the cache, still valid: no signature was checked. */
    default void onTokenCacheHit() {
    }

    /** A token was not in the cache (or its entry had expired), so it was verified in full. */
    default void onTokenCacheMiss() {
    }

    /** A listener that does nothing. */
    static TokenCacheListener none() {
        return new TokenCacheListener() {
        };
    }

    /**
     * One listener telling each of {@code listeners}, in order; a listener that throws despite the
     * contract is skipped, so telemetry can never fail an authentication.
     */
    static TokenCacheListener all(List<? extends TokenCacheListener> listeners) {
        List<TokenCacheListener> copy = List.copyOf(listeners);
        if (copy.isEmpty()) {
            return none();
        }
        return new TokenCacheListener() {
            @Override
            public void onTokenCacheHit() {
                for (TokenCacheListener listener : copy) {
                    try {
                        listener.onTokenCacheHit();
                    } catch (RuntimeException e) {
                        // The contract says listeners never throw; one that does must not refuse a login.
                    }
                }
            }

            @Override
            public void onTokenCacheMiss() {
                for (TokenCacheListener listener : copy) {
                    try {
                        listener.onTokenCacheMiss();
                    } catch (RuntimeException e) {
                        // As above.
                    }
                }
            }
        };
    }
}

