package dev.roomcast.core;

/**
 * Port: turns a bearer token into an {@link Identity}, once per connection at the upgrade.
 * Implementations (in {@code auth}) verify the signature with an algorithm pinned per
 * authenticator, then {@code exp}, {@code nbf} and optionally {@code iss} and {@code aud}.
 * Must be thread-safe; may block briefly (for example to refresh a key set), since it is called
 * off the I/O threads.
 */
@FunctionalInterface
public interface TokenAuthenticator {

    /** Verifies {@code token} and returns the identity it proves, or why it was rejected. Never throws for bad tokens. */
    AuthResult authenticate(String token);
}
