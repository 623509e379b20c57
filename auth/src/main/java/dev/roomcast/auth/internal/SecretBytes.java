package dev.roomcast.auth.internal;

import dev.roomcast.core.RoomcastConfig;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/** Checks and digests for shared secrets (HS256 keys, the admin broadcast secret). */
public final class SecretBytes {
    private SecretBytes() {
    }

    /**
     * Returns a copy of {@code secret}, or throws when it is shorter than
     * {@link RoomcastConfig#MIN_SECRET_BYTES} (RFC 7518 §3.2: at least the HS256 hash size). The
     * message names the field and the rule, never the value.
     */
    public static byte[] requireStrong(byte[] secret, String field) {
        Objects.requireNonNull(secret, field);
        if (secret.length < RoomcastConfig.MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(field + ": expected at least " + RoomcastConfig.MIN_SECRET_BYTES
                    + " bytes (RFC 7518 §3.2) but was " + secret.length);
        }
        return secret.clone();
    }

    /** SHA-256 of {@code bytes}. */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest Javadoc), so this cannot happen.
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Whether two secrets are equal, in time that depends on neither their contents nor their
     * lengths: both sides are digested first, so only fixed-size digests are compared.
     */
    public static boolean sameSecret(byte[] a, byte[] b) {
        return MessageDigest.isEqual(sha256(a), sha256(b));
    }
}
