package dev.roomcast.auth;

import dagger.BindsOptionalOf;
import dagger.Module;

/**
 * Publishes nothing; declares the optional {@link TokenRules} binding that {@link Hs256AuthModule} and
 * {@link JwksAuthModule} read. Bind a {@code TokenRules} in the application's component to require an
 * issuer or audience or to change the skew; without one, {@link TokenRules#defaults()} apply.
 */
@Module
public interface TokenRulesModule {

    /** The application's token rules, if it binds any. */
    @BindsOptionalOf
    TokenRules tokenRules();
}
