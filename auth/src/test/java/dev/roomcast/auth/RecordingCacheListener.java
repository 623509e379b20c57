package dev.roomcast.auth;

import dev.roomcast.core.TokenCacheListener;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the cache hits and misses an authenticator reports; thread-safe. */
final class RecordingCacheListener implements TokenCacheListener {
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger misses = new AtomicInteger();

    @Override
    public void onTokenCacheHit() {
        hits.incrementAndGet();
    }

    @Override
    public void onTokenCacheMiss() {
        misses.incrementAndGet();
    }

    int hits() {
        return hits.get();
    }

    int misses() {
        return misses.get();
    }
}
