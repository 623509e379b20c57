package dev.roomcast.transport.undertow.testing;

import dev.roomcast.core.AuthResult;
import dev.roomcast.core.Identity;
import dev.roomcast.core.TokenAuthenticator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A fake (not a mock) token authenticator for transport tests, which must not depend on the auth
 * module: a token {@code valid:SUBJECT} proves SUBJECT; {@code valid:SUBJECT:ROLE} adds a role;
 * anything else is rejected as a bad signature. Real JWT verification is tested in auth and examples.
 * By default it says it may block, like an authenticator that does not know better; {@link #neverBlocking()}
 * says it never does, so the upgrade checks stay on the I/O thread.
 */
public final class FakeTokens implements TokenAuthenticator {
    /** Which thread ran {@link #authenticate}: its name and whether it was virtual (not the thread, which would keep its task alive). */
    public record Caller(String name, boolean isVirtual) {
        /** Whether the caller was one of Undertow's (XNIO) I/O threads. */
        public boolean isIoThread() {
            return !isVirtual && name.contains("I/O");
        }
    }

    /** Every caller of {@link #authenticate}, in order. */
    private final java.util.List<Caller> callers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final boolean mayBlock;

    public FakeTokens() {
        this(true);
    }

    private FakeTokens(boolean mayBlock) {
        this.mayBlock = mayBlock;
    }

    /** Fake tokens that declare they never block. */
    public static FakeTokens neverBlocking() {
        return new FakeTokens(false);
    }

    @Override
    public boolean mayBlock() {
        return mayBlock;
    }

    /** The threads that verified tokens so far. */
    public java.util.List<Caller> callers() {
        return callers;
    }

    @Override
    public AuthResult authenticate(String token) {
        callers.add(new Caller(Thread.currentThread().getName(), Thread.currentThread().isVirtual()));
        String[] parts = token.split(":");
        if (parts.length >= 2 && parts[0].equals("valid") && !parts[1].isEmpty()) {
            Set<String> roles = parts.length > 2 ? Set.of(parts[2]) : Set.of();
            return AuthResult.authenticated(new Identity(parts[1], Optional.of(parts[1]), roles, Map.of("sub", parts[1])));
        }
        return AuthResult.rejected("bad_signature");
    }

    /** The Authorization header proving {@code subject}. */
    public static Map<String, String> bearer(String subject) {
        return Map.of("Authorization", "Bearer valid:" + subject);
    }
}
