package dev.roomcast.auth;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenAuthenticator;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * Publishes {@link TokenAuthenticator}: a {@link JwksTokenAuthenticator} over the component's
 * {@link JwksKeySource}, with the bound {@link TokenRules} or the defaults, and the component's
 * {@link Clock}. The application binds the {@code JwksKeySource} (for example with
 * {@code @BindsInstance}), since {@code RoomcastConfig} has no JWK set URI. Alternative:
 * {@link Hs256AuthModule}.
 */
@Module(includes = TokenRulesModule.class)
public interface JwksAuthModule {

    /** The JWKS-backed authenticator. */
    @Provides
    @Singleton
    static TokenAuthenticator tokenAuthenticator(JwksKeySource keys, Optional<TokenRules> rules, Clock clock) {
        return new JwksTokenAuthenticator(keys, rules.orElse(TokenRules.defaults()), clock);
    }
}
