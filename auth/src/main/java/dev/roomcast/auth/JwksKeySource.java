package dev.roomcast.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import dev.roomcast.auth.internal.JwkSetCache;
import dev.roomcast.core.Clock;
import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * The public keys of an identity provider, read from its JWK set URI (for example
 * {@code https://idp.example.com/.well-known/jwks.json}) with {@link java.net.http.HttpClient} and
 * cached, for {@link JwksTokenAuthenticator}. Keys are selected by {@code kid}. The set is fetched on
 * first use, again once it is older than {@link JwksRefreshPolicy#cacheTtl()}, and again when a token
 * names a {@code kid} the cache does not hold (so a rotated-in key works at once) — but never more
 * often than {@link JwksRefreshPolicy#minRefetchInterval()}. A failed fetch keeps the last good set and
 * is logged at WARN. Fetches run on the calling thread, at most one at a time. Usable keys: RSA of
 * 2048+ bits (RS256) and EC P-256 (ES256), with {@code use} absent or {@code sig}; others, including
 * every symmetric key, are ignored. Redirects are not followed. Thread-safe; close it to release its
 * HTTP client.
 */
public final class JwksKeySource implements AutoCloseable {
    private final JwkSetCache cache;

    /** A key source for {@code jwksUri} (http or https) refreshed as {@code policy} says, timed by {@code clock}. */
    public JwksKeySource(URI jwksUri, JwksRefreshPolicy policy, Clock clock) {
        this.cache = new JwkSetCache(jwksUri, policy.cacheTtl(), policy.minRefetchInterval(), policy.fetchTimeout(), clock);
    }

    /** A key source with {@link JwksRefreshPolicy#defaults()} and the system clock. */
    public JwksKeySource(URI jwksUri) {
        this(jwksUri, JwksRefreshPolicy.defaults(), Clock.system());
    }

    /**
     * Fetches the set now, unless a fetch was attempted within the minimum refetch interval; returns
     * whether a good set is cached afterwards. Optional: call it at startup to fail fast or warm up.
     * Blocks for at most one fetch.
     */
    public boolean refresh() {
        return cache.refresh();
    }

    /** The {@code kid}s of the usable keys cached now; never fetches. */
    public Set<String> keyIds() {
        return cache.keyIds();
    }

    /** Releases the HTTP client; the key source must not be used afterwards. */
    @Override
    public void close() {
        cache.close();
    }

    /** The library verifier for {@code kid} and {@code algorithm}; may block for one fetch. */
    Optional<JWSVerifier> check(String kid, JWSAlgorithm algorithm) {
        return cache.check(kid, algorithm);
    }
}
