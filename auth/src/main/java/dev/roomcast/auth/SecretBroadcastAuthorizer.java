package dev.roomcast.auth;

import dev.roomcast.auth.internal.SecretBytes;
import dev.roomcast.core.BroadcastAuthorizer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;

/**
 * Lets a request use the admin broadcast endpoint only if its bearer credential is the dedicated
 * broadcast secret, whose UTF-8 bytes are the configured secret bytes. The secret is separate from
 * the token-signing secret on purpose: leaking one must not grant the other, so this class refuses to
 * be built with two equal secrets. The comparison digests both sides with SHA-256 and compares the
 * digests in constant time, so neither the secret's contents nor its length leak through timing.
 * Only the digest is kept. Thread-safe; never blocks.
 */
public final class SecretBroadcastAuthorizer implements BroadcastAuthorizer {
    private final byte[] secretDigest;

    /**
     * An authorizer for {@code broadcastSecret} (at least 32 bytes). {@code tokenSecret} is the
     * HS256 token secret, if any; it is only compared, never kept.
     *
     * @throws IllegalArgumentException when the broadcast secret is too short or equals the token secret
     */
    public SecretBroadcastAuthorizer(byte[] broadcastSecret, Optional<byte[]> tokenSecret) {
        byte[] secret = SecretBytes.requireStrong(broadcastSecret, "adminBroadcastSecret");
        Objects.requireNonNull(tokenSecret, "tokenSecret");
        if (tokenSecret.isPresent() && SecretBytes.sameSecret(secret, tokenSecret.get())) {
            throw new IllegalArgumentException("adminBroadcastSecret: expected a secret different from tokenSecret but they are equal");
        }
        this.secretDigest = SecretBytes.sha256(secret);
    }

    /** Whether {@code bearerCredential} is the broadcast secret; {@code null} is not. */
    @Override
    public boolean mayBroadcast(String bearerCredential) {
        if (bearerCredential == null) {
            return false;
        }
        byte[] presented = SecretBytes.sha256(bearerCredential.getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(presented, secretDigest);
    }
}
