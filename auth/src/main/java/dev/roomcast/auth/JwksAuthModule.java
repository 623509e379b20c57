package dev.roomcast.auth;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.Clock;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes {@link TokenAuthenticator}: a {@link JwksTokenAuthenticator} over the component's
 * {@link JwksKeySource}, with the bound {@link TokenRules} and {@link TokenCachePolicy} or their
 * defaults (the cache is on), the component's {@link TokenCacheListener}s and its {@link Clock}. The
 * application binds the {@code JwksKeySource} (for example with {@code @BindsInstance}), since
 * {@code RoomcastConfig} has no JWK set URI. Alternative: {@link Hs256AuthModule}.
 */
@Module(includes = TokenRulesModule.class)
public interface JwksAuthModule {

    /** The JWKS-backed authenticator. */
    @Provides
    @Singleton
    static TokenAuthenticator tokenAuthenticator(JwksKeySource keys, Optional<TokenRules> rules,
            Optional<TokenCachePolicy> cache, Set<TokenCacheListener> cacheListeners, Clock clock) {
        return new JwksTokenAuthenticator(keys, rules.orElse(TokenRules.defaults()), cache.orElse(TokenCachePolicy.defaults()),
                TokenCacheListener.all(List.copyOf(cacheListeners)), clock);
    }
}
