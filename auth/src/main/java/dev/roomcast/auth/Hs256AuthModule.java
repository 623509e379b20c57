package dev.roomcast.auth;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.Clock;
import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Publishes {@link TokenAuthenticator}: an {@link Hs256TokenAuthenticator} for
 * {@link RoomcastConfig#tokenSecret()}, with the bound {@link TokenRules} and {@link TokenCachePolicy}
 * or their defaults (the cache is on), the component's {@link TokenCacheListener}s and its {@link Clock}. Requires {@code RoomcastConfig} and {@code Clock} (from
 * {@code CoreModule}). Alternative: {@link JwksAuthModule}.
 */
@Module(includes = TokenRulesModule.class)
public interface Hs256AuthModule {

    /**
     * The HS256 authenticator.
     *
     * @throws InvalidConfigException when no token secret is configured
     */
    @Provides
    @Singleton
    static TokenAuthenticator tokenAuthenticator(RoomcastConfig config, Optional<TokenRules> rules,
            Optional<TokenCachePolicy> cache, Set<TokenCacheListener> cacheListeners, Clock clock) {
        byte[] secret = config.tokenSecret().orElseThrow(() -> new InvalidConfigException(List.of(
                "tokenSecret: expected an HS256 secret of at least " + RoomcastConfig.MIN_SECRET_BYTES
                        + " bytes because Hs256AuthModule is installed, but none is set"
                        + " (set RoomcastConfig.Builder.tokenSecret or install JwksAuthModule instead)")));
        return new Hs256TokenAuthenticator(secret, rules.orElse(TokenRules.defaults()),
                cache.orElse(TokenCachePolicy.defaults()), TokenCacheListener.all(List.copyOf(cacheListeners)), clock);
    }
}
