package dev.roomcast.auth;

import dagger.BindsOptionalOf;
import dagger.Module;
import dagger.multibindings.Multibinds;
import dev.roomcast.core.TokenCacheListener;
import java.util.Set;

/**
 * Publishes nothing; declares the bindings that {@link Hs256AuthModule} and {@link JwksAuthModule}
 * read besides their key: an optional {@link TokenRules} (bind one to require an issuer or audience or
 * to change the skew; default {@link TokenRules#defaults()}), an optional {@link TokenCachePolicy}
 * (bind one to size the cache of verified tokens or turn it off; default
 * {@link TokenCachePolicy#defaults()}, on) and the set of {@link TokenCacheListener}s told about each
 * cache lookup (other modules contribute {@code @IntoSet}, as {@code ObservabilityModule} does; may be
 * empty).
 */
@Module
public interface TokenRulesModule {

    /** The application's token rules, if it binds any. */
    @BindsOptionalOf
    TokenRules tokenRules();

    /** The application's cache policy, if it binds any. */
    @BindsOptionalOf
    TokenCachePolicy tokenCachePolicy();

    /** Everyone told about cache hits and misses. */
    @Multibinds
    Set<TokenCacheListener> tokenCacheListeners();
}
