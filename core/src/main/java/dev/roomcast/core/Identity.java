package dev.roomcast.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who is on the other end of a connection, established once at the upgrade and never re-checked
 * per message. Handlers read it to decide what a client may do.
 *
 * @param subject the stable subject ({@code sub} claim), never empty
 * @param name    a display name, if the token carried one
 * @param roles   the roles granted to the subject
 * @param claims  every claim of the token, for application checks (immutable)
 */
public record Identity(String subject, Optional<String> name, Set<String> roles, Map<String, Object> claims) {

    public Identity {
        Objects.requireNonNull(subject, "subject");
        if (subject.isEmpty()) {
            throw new IllegalArgumentException("identity subject: expected a non-empty value");
        }
        Objects.requireNonNull(name, "name");
        roles = Set.copyOf(roles);
        claims = Map.copyOf(claims);
    }

    /** An identity with only a subject. */
    public static Identity of(String subject) {
        return new Identity(subject, Optional.empty(), Set.of(), Map.of());
    }

    /** The identity given to clients when unauthenticated access is allowed and no token was supplied. */
    public static Identity anonymous(ConnectionId id) {
        return new Identity("anonymous:" + id.value(), Optional.empty(), Set.of(), Map.of());
    }

    /** Whether the subject holds {@code role}. */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** A claim's value, if present. */
    public Optional<Object> claim(String name) {
        return Optional.ofNullable(claims.get(name));
    }
}
