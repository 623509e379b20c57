package dev.roomcast.auth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.roomcast.core.Clock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cached JWK set fetched over HTTP(S), turned into ready library verifiers keyed by {@code kid} and
 * algorithm. Only RSA keys of 2048 bits or more (RS256) and EC P-256 keys (ES256) become verifiers (a fetch makes new ones, so cached tokens are verified again once after it);
 * symmetric ({@code oct}) keys in the set are ignored, so a published HMAC key can never be used to
 * accept an HS-signed token. The set is fetched lazily, on the calling thread: when none is cached,
 * when the cached one is older than the TTL, and when a token names an unknown {@code kid} — but never
 * more often than the minimum refetch interval, so a flood of made-up {@code kid}s cannot turn into a
 * flood of requests to the identity provider. A failed fetch keeps the last good set. Thread-safe.
 */
public final class JwkSetCache implements AutoCloseable {
    /** Largest JWK set body read, in bytes; real sets are a few kilobytes. */
    public static final int MAX_BODY_BYTES = 512 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(JwkSetCache.class);

    private final URI uri;
    private final long cacheTtlNanos;
    private final long minRefetchNanos;
    private final Duration fetchTimeout;
    private final Clock clock;
    private final HttpClient http;

    /**
     * Held while fetching, so concurrent callers that all miss wait for one fetch instead of each
     * starting their own; it is never taken on the hit path.
     */
    private final ReentrantLock fetchLock = new ReentrantLock();
    /** The last good set; replaced whole by the thread holding {@link #fetchLock}, read without it. */
    private volatile Snapshot snapshot;
    /** Monotonic time of the last fetch attempt, good or bad; guarded by {@link #fetchLock}. */
    private long lastAttemptNanos;
    /** Whether any fetch was attempted yet; guarded by {@link #fetchLock}. */
    private boolean attempted;

    public JwkSetCache(URI uri, Duration cacheTtl, Duration minRefetchInterval, Duration fetchTimeout, Clock clock) {
        this.uri = Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("jwksUri: expected an http or https URI but the scheme was " + scheme);
        }
        this.cacheTtlNanos = cacheTtl.toNanos();
        this.minRefetchNanos = minRefetchInterval.toNanos();
        this.fetchTimeout = Objects.requireNonNull(fetchTimeout, "fetchTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        // Redirects are not followed: the set must come from the configured address.
        this.http = HttpClient.newBuilder()
                .connectTimeout(fetchTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The verifier for {@code kid} and {@code algorithm}, fetching the set first if it is due; may block for one fetch. */
    public Optional<JWSVerifier> check(String kid, JWSAlgorithm algorithm) {
        KeyRef ref = new KeyRef(kid, algorithm.getName());
        Snapshot current = snapshot;
        if (current == null || isStale(current)) {
            current = refreshIfDue(ref);
        }
        if (current != null && current.checks.containsKey(ref)) {
            return Optional.of(current.checks.get(ref));
        }
        current = refreshIfDue(ref);
        return current == null ? Optional.empty() : Optional.ofNullable(current.checks.get(ref));
    }

    /** Fetches now unless a fetch was attempted within the minimum refetch interval; returns whether a good set is cached afterwards. */
    public boolean refresh() {
        fetchLock.lock();
        try {
            fetchIfAllowed();
            return snapshot != null;
        } finally {
            fetchLock.unlock();
        }
    }

    /** The {@code kid}s of the cached usable keys; never fetches. */
    public Set<String> keyIds() {
        Snapshot current = snapshot;
        return current == null ? Set.of()
                : current.checks.keySet().stream().map(KeyRef::kid).collect(Collectors.toUnmodifiableSet());
    }

    /** Releases the HTTP client, aborting a fetch in progress. */
    @Override
    public void close() {
        http.shutdownNow();
    }

    private Snapshot refreshIfDue(KeyRef wanted) {
        fetchLock.lock();
        try {
            Snapshot current = snapshot;
            // Another caller may have fetched while this one waited for the lock.
            if (current != null && !isStale(current) && current.checks.containsKey(wanted)) {
                return current;
            }
            fetchIfAllowed();
            return snapshot;
        } finally {
            fetchLock.unlock();
        }
    }

    /** Caller holds {@link #fetchLock}. */
    private void fetchIfAllowed() {
        long now = clock.nanoTime();
        if (attempted && now - lastAttemptNanos < minRefetchNanos) {
            return;
        }
        attempted = true;
        lastAttemptNanos = now;
        try {
            snapshot = new Snapshot(checks(JWKSet.parse(fetch())), now);
        } catch (IOException | ParseException e) {
            LOG.warn("JWK set fetch from {} failed ({}); keeping {} cached keys", uri, e.getClass().getSimpleName(),
                    snapshot == null ? 0 : snapshot.checks.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("JWK set fetch from {} was interrupted; keeping the cached keys", uri);
        }
    }

    private String fetch() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(fetchTimeout)
                .header("Accept", "application/json").GET().build();
        // The request timeout covers only the wait for headers; waiting on the whole exchange bounds a
        // server that stalls mid-body too, which would otherwise hold the fetch lock (and logins) forever.
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request, info -> new BoundedBody(MAX_BODY_BYTES));
        HttpResponse<byte[]> response;
        try {
            response = exchange.get(fetchTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new HttpTimeoutException("no complete response within " + fetchTimeout);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        if (response.statusCode() != 200) {
            throw new IOException("status " + response.statusCode());
        }
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private boolean isStale(Snapshot s) {
        return clock.nanoTime() - s.fetchedAtNanos >= cacheTtlNanos;
    }

    private static Map<KeyRef, JWSVerifier> checks(JWKSet set) {
        Map<KeyRef, JWSVerifier> checks = new HashMap<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyID() == null || !usableForVerifying(jwk)) {
                continue;
            }
            try {
                if (jwk instanceof RSAKey rsa && rsa.size() >= 2048 && algorithmFits(jwk, JWSAlgorithm.RS256)) {
                    checks.putIfAbsent(new KeyRef(jwk.getKeyID(), JWSAlgorithm.RS256.getName()),
                            new RSASSAVerifier(rsa.toRSAPublicKey()));
                } else if (jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) && algorithmFits(jwk, JWSAlgorithm.ES256)) {
                    checks.putIfAbsent(new KeyRef(jwk.getKeyID(), JWSAlgorithm.ES256.getName()),
                            new ECDSAVerifier(ec.toECPublicKey()));
                } else {
                    LOG.debug("JWK set key {} skipped: not an RSA (2048+ bits) or EC P-256 key for RS256/ES256", jwk.getKeyID());
                }
            } catch (JOSEException e) {
                LOG.warn("JWK set key {} skipped: {}", jwk.getKeyID(), e.getClass().getSimpleName());
            }
        }
        return Map.copyOf(checks);
    }

    private static boolean usableForVerifying(JWK jwk) {
        return (jwk.getKeyUse() == null || KeyUse.SIGNATURE.equals(jwk.getKeyUse()))
                && (jwk.getKeyOperations() == null || jwk.getKeyOperations().contains(KeyOperation.VERIFY));
    }

    private static boolean algorithmFits(JWK jwk, JWSAlgorithm algorithm) {
        return jwk.getAlgorithm() == null || algorithm.getName().equals(jwk.getAlgorithm().getName());
    }

    /** Collects a response body, failing as soon as it passes {@code maxBytes} instead of buffering all of it. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int maxBytes;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        /** Written only by the HTTP client's delivery thread, one signal at a time (reactive-streams rule 1.3). */
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        BoundedBody(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > maxBytes) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("body larger than " + maxBytes + " bytes"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }

    private record KeyRef(String kid, String algorithm) {
    }

    private record Snapshot(Map<KeyRef, JWSVerifier> checks, long fetchedAtNanos) {
    }
}
