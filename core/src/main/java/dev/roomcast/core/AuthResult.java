package dev.roomcast.core;

import java.util.Objects;

/** The outcome of {@link TokenAuthenticator#authenticate}: an identity, or a rejection with a reason for logs. */
public sealed interface AuthResult {

    /** The token proved this identity. */
    record Authenticated(Identity identity) implements AuthResult {
        public Authenticated {
            Objects.requireNonNull(identity, "identity");
        }
    }

    /**
     * The token was refused.
     *
     * @param reason why, for logs and metrics labels; a short fixed word such as {@code expired}, never the token
     */
    record Rejected(String reason) implements AuthResult {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Shorthand for {@link Authenticated}. */
    static AuthResult authenticated(Identity identity) {
        return new Authenticated(identity);
    }

    /** Shorthand for {@link Rejected}. */
    static AuthResult rejected(String reason) {
        return new Rejected(reason);
    }
}
