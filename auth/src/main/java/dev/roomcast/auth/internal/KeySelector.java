package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import java.util.Optional;

/**
 * Finds the library verifier for a token whose algorithm is already known to be allowed. Keys named by
 * the header itself ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}) must never be used: the key
 * comes from configuration or a trusted key set, selected at most by {@code kid}. Asked again on every
 * cache hit, so a key that has left the trusted set stops a cached token too: implementations return
 * the same verifier object for as long as the key is trusted, and must be thread-safe.
 */
@FunctionalInterface
public interface KeySelector {

    /** The verifier of the trusted key for {@code algorithm} and {@code keyId}, or empty when none fits. */
    Optional<JWSVerifier> select(JWSAlgorithm algorithm, Optional<String> keyId);
}
