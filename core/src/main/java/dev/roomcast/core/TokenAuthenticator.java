package dev.roomcast.core;

/**
 * Port: turns a bearer token into an {@link Identity}, once per connection at the upgrade.
 * Implementations (in {@code auth}) verify the signature with an algorithm pinned per
 * authenticator, then {@code exp}, {@code nbf} and optionally {@code iss} and {@code aud}.
 * Must be thread-safe. It may block briefly (for example to refresh a key set) unless it says
 * otherwise with {@link #mayBlock()}.
 */
@FunctionalInterface
public interface TokenAuthenticator {

    /** Verifies {@code token} and returns the identity it proves, or why it was rejected. Never throws for bad tokens. */
    AuthResult authenticate(String token);

    /**
     * Whether {@link #authenticate} may block or run long (network key fetches, remote lookups). The
     * transport runs the upgrade checks on a virtual thread when any of them may block, and on the
     * I/O thread that read the request when none does, which saves two thread hand-offs per upgrade.
     * {@code true} unless an implementation knows better: only pure, quick computations (a signature
     * check against a key in memory) answer {@code false}.
     */
    default boolean mayBlock() {
        return true;
    }
}
