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

    /**
     * A SHA-256 digest that is never updated, only cloned: every upgrade with a token digests it for
     * the verified-token cache, and {@code getInstance} looked the provider up and instantiated it by
     * reflection each time (visible in a churn profile); a clone copies the initial state instead.
     */
    private static final MessageDigest SHA_256 = newSha256();

    /** SHA-256 of {@code bytes}. */
    public static byte[] sha256(byte[] bytes) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            digest = newSha256(); // a provider whose digest cannot be cloned: look it up each time
        }
        return digest.digest(bytes);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
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
