package dev.roomcast.testkit;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Identity;
import dev.roomcast.core.TokenAuthenticator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A readable token authenticator for tests of servers wired by hand (a service that wires its real
 * authenticator mints real tokens instead): {@link #token(String, String...) token("alice")} is
 * {@code test:alice}, {@code test:alice:admin} adds the role {@code admin}; anything else is refused
 * as an invalid token. Never blocks. Never use it outside tests: anyone can write such a token.
 */
public final class TestTokens implements TokenAuthenticator {

    /** The token proving {@code subject}, with {@code roles}. */
    public static String token(String subject, String... roles) {
        if (subject.isEmpty() || subject.contains(":")) {
            throw new IllegalArgumentException("subject: expected a non-empty value without ':' but was '" + subject + "'");
        }
        return "test:" + subject + (roles.length == 0 ? "" : ":" + String.join(",", roles));
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public AuthResult authenticate(String token) {
        String[] parts = token.split(":", 3);
        if (parts.length >= 2 && parts[0].equals("test") && !parts[1].isEmpty()) {
            Set<String> roles = parts.length == 3 && !parts[2].isEmpty() ? Set.of(parts[2].split(",")) : Set.of();
            return AuthResult.authenticated(new Identity(parts[1], Optional.of(parts[1]), roles, Map.of("sub", parts[1])));
        }
        return AuthResult.rejected("not_a_test_token");
    }
}
