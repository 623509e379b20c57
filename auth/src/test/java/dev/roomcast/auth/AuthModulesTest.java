package dev.roomcast.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dagger.Binds;
import dagger.BindsInstance;
import dagger.Component;
import dagger.Module;
import dagger.Provides;
import dagger.multibindings.IntoSet;
import dev.roomcast.core.AuthResult;
import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.CoreModule;
import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.RoomcastConfig;
import dev.roomcast.core.TokenAuthenticator;
import dev.roomcast.core.TokenCacheListener;
import jakarta.inject.Singleton;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Dagger modules, wired by components that the annotation processor generates for this test. */
class AuthModulesTest {
    private static final byte[] BROADCAST = "broadcast-secret-0123456789-abcdefghij".getBytes(StandardCharsets.UTF_8);

    @Singleton
    @Component(modules = {CoreModule.class, Hs256AuthModule.class, AuthModule.class})
    interface Hs256Component {
        TokenAuthenticator tokenAuthenticator();

        BroadcastAuthorizer broadcastAuthorizer();

        @Component.Factory
        interface Factory {
            Hs256Component create(@BindsInstance RoomcastConfig config);
        }
    }

    @Module
    interface IssuerRulesModule {
        @Provides
        static TokenRules tokenRules() {
            return TokenRules.of("https://idp.example", "roomcast");
        }
    }

    @Singleton
    @Component(modules = {CoreModule.class, Hs256AuthModule.class, IssuerRulesModule.class})
    interface Hs256WithRulesComponent {
        TokenAuthenticator tokenAuthenticator();

        @Component.Factory
        interface Factory {
            Hs256WithRulesComponent create(@BindsInstance RoomcastConfig config);
        }
    }

    @Singleton
    @Component(modules = {CoreModule.class, JwksAuthModule.class})
    interface JwksComponent {
        TokenAuthenticator tokenAuthenticator();

        @Component.Factory
        interface Factory {
            JwksComponent create(@BindsInstance RoomcastConfig config, @BindsInstance JwksKeySource keys);
        }
    }

    @Module
    interface RecordingListenerModule {
        @Binds
        @IntoSet
        TokenCacheListener recording(RecordingCacheListener listener);
    }

    @Singleton
    @Component(modules = {CoreModule.class, Hs256AuthModule.class, RecordingListenerModule.class})
    interface Hs256WithListenerComponent {
        TokenAuthenticator tokenAuthenticator();

        @Component.Factory
        interface Factory {
            Hs256WithListenerComponent create(@BindsInstance RoomcastConfig config, @BindsInstance RecordingCacheListener listener);
        }
    }

    @Module
    interface NoCacheModule {
        @Provides
        static TokenCachePolicy tokenCachePolicy() {
            return TokenCachePolicy.disabled();
        }
    }

    @Singleton
    @Component(modules = {CoreModule.class, Hs256AuthModule.class, RecordingListenerModule.class, NoCacheModule.class})
    interface Hs256WithoutCacheComponent {
        TokenAuthenticator tokenAuthenticator();

        @Component.Factory
        interface Factory {
            Hs256WithoutCacheComponent create(@BindsInstance RoomcastConfig config, @BindsInstance RecordingCacheListener listener);
        }
    }

    private static RoomcastConfig.Builder config() {
        return RoomcastConfig.builder().tokenSecret(Tokens.SECRET);
    }

    private static String mint(TokenRules rules) {
        return new TokenMinter(Tokens.SECRET, rules, dev.roomcast.core.Clock.system())
                .mint("alice", Optional.empty(), Set.of(), Duration.ofMinutes(5));
    }

    @Test
    void hs256ModuleProvidesAnAuthenticatorForTheConfiguredSecret() {
        Hs256Component component = DaggerAuthModulesTest_Hs256Component.factory().create(config().build());

        assertThat(component.tokenAuthenticator()).isInstanceOf(Hs256TokenAuthenticator.class);
        assertThat(component.tokenAuthenticator().authenticate(mint(TokenRules.defaults()))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(component.tokenAuthenticator()).isSameAs(component.tokenAuthenticator());
    }

    @Test
    void boundTokenRulesAreUsedByTheHs256Module() {
        Hs256WithRulesComponent component = DaggerAuthModulesTest_Hs256WithRulesComponent.factory().create(config().build());

        assertThat(component.tokenAuthenticator().authenticate(mint(TokenRules.defaults())))
                .isEqualTo(AuthResult.rejected("wrong_issuer"));
        assertThat(component.tokenAuthenticator().authenticate(mint(TokenRules.of("https://idp.example", "roomcast"))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void hs256ModuleCachesTokensByDefaultAndTellsTheContributedListeners() {
        RecordingCacheListener listener = new RecordingCacheListener();
        TokenAuthenticator authenticator = DaggerAuthModulesTest_Hs256WithListenerComponent.factory()
                .create(config().build(), listener).tokenAuthenticator();
        String token = mint(TokenRules.defaults());

        authenticator.authenticate(token);
        authenticator.authenticate(token);

        assertThat(listener.misses()).isEqualTo(1);
        assertThat(listener.hits()).isEqualTo(1);
    }

    @Test
    void aBoundDisabledCachePolicyTurnsTheCacheOff() {
        RecordingCacheListener listener = new RecordingCacheListener();
        TokenAuthenticator authenticator = DaggerAuthModulesTest_Hs256WithoutCacheComponent.factory()
                .create(config().build(), listener).tokenAuthenticator();
        String token = mint(TokenRules.defaults());

        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticator.authenticate(token)).isInstanceOf(AuthResult.Authenticated.class);

        assertThat(listener.hits() + listener.misses()).isZero();
    }

    @Test
    void hs256ModuleWithoutATokenSecretFailsNamingTheSetting() {
        Hs256Component component = DaggerAuthModulesTest_Hs256Component.factory().create(RoomcastConfig.defaults());

        assertThatThrownBy(component::tokenAuthenticator)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("tokenSecret: expected an HS256 secret of at least 32 bytes");
    }

    @Test
    void authModuleProvidesABroadcastAuthorizerForTheConfiguredSecret() {
        Hs256Component component = DaggerAuthModulesTest_Hs256Component.factory()
                .create(config().adminBroadcastEnabled(true).adminBroadcastSecret(BROADCAST).build());
        BroadcastAuthorizer authorizer = component.broadcastAuthorizer();

        assertThat(authorizer).isInstanceOf(SecretBroadcastAuthorizer.class);
        assertThat(authorizer.mayBroadcast(new String(BROADCAST, StandardCharsets.UTF_8))).isTrue();
        assertThat(authorizer.mayBroadcast(new String(Tokens.SECRET, StandardCharsets.UTF_8))).isFalse();
    }

    @Test
    void authModuleWithoutABroadcastSecretRefusesEveryoneOrFailsWhenBroadcastIsEnabled() {
        BroadcastAuthorizer disabled = DaggerAuthModulesTest_Hs256Component.factory().create(config().build()).broadcastAuthorizer();
        Hs256Component enabled = DaggerAuthModulesTest_Hs256Component.factory().create(config().adminBroadcastEnabled(true).build());

        assertThat(disabled.mayBroadcast(new String(Tokens.SECRET, StandardCharsets.UTF_8))).isFalse();
        assertThat(disabled.mayBroadcast("")).isFalse();
        assertThatThrownBy(enabled::broadcastAuthorizer)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("adminBroadcastSecret: expected a secret of at least 32 bytes because adminBroadcastEnabled is on");
    }

    @Test
    void jwksModuleProvidesAnAuthenticatorOverTheBoundKeySource() {
        // The source is never asked for keys here (no kid), so no server is needed.
        try (JwksKeySource keys = new JwksKeySource(URI.create("http://127.0.0.1:9/jwks.json"))) {
            JwksComponent component = DaggerAuthModulesTest_JwksComponent.factory().create(RoomcastConfig.defaults(), keys);

            assertThat(component.tokenAuthenticator()).isInstanceOf(JwksTokenAuthenticator.class);
            assertThat(component.tokenAuthenticator().authenticate(mint(TokenRules.defaults())))
                    .isEqualTo(AuthResult.rejected("alg_not_allowed"));
        }
    }
}
