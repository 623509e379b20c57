package dev.roomcast.auth.internal;

import java.util.Optional;

/**
 * Finds the signature check for a token whose algorithm is already known to be allowed. Keys named by
 * the header itself ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}) must never be used: the key
 * comes from configuration or a trusted key set, selected at most by {@code kid}.
 */
@FunctionalInterface
public interface KeySelector {

    /** The check of the trusted key that fits {@code header}, or empty when none does. */
    Optional<SignatureCheck> select(JoseHeader header);
}
