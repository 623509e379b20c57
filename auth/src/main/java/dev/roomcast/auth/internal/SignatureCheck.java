package dev.roomcast.auth.internal;

/**
 * A trusted key's check of a token's signature, as selected by a {@link KeySelector}. Implementations
 * are thread-safe and never throw for a bad token: anything that keeps the signature from holding is
 * {@code false}.
 */
public interface SignatureCheck {

    /** Whether {@code token}'s signature, under {@code header}, was made with this key. */
    boolean holds(JoseHeader header, CompactJws token);
}
