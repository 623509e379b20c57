package dev.roomcast.auth.internal;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import java.util.Optional;

/**
 * Finds the verifier for a token whose algorithm is already known to be allowed. Keys named by the
 * header itself ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}) must never be used: the key
 * comes from configuration or a trusted key set, selected at most by {@code kid}.
 */
@FunctionalInterface
public interface KeySelector {

    /** The verifier for {@code header}, or empty when no trusted key fits it. */
    Optional<JWSVerifier> select(JWSHeader header);
}
