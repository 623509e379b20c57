package dev.roomcast.auth;

import dagger.Module;
import dagger.Provides;
import dev.roomcast.core.BroadcastAuthorizer;
import dev.roomcast.core.InvalidConfigException;
import dev.roomcast.core.RoomcastConfig;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * Publishes {@link BroadcastAuthorizer}: a {@link SecretBroadcastAuthorizer} for
 * {@link RoomcastConfig#adminBroadcastSecret()}, checked against the token secret. With no broadcast
 * secret it publishes an authorizer that refuses everyone, and fails instead if
 * {@link RoomcastConfig#adminBroadcastEnabled()} is on, since the endpoint would then be mounted with
 * no way in. Token authentication comes from {@link Hs256AuthModule} or {@link JwksAuthModule}; room
 * authorization is the application's policy and is bound by the application.
 */
@Module
public interface AuthModule {

    /**
     * The admin broadcast authorizer.
     *
     * @throws InvalidConfigException when admin broadcast is enabled without a secret
     */
    @Provides
    @Singleton
    static BroadcastAuthorizer broadcastAuthorizer(RoomcastConfig config) {
        Optional<byte[]> secret = config.adminBroadcastSecret();
        if (secret.isEmpty()) {
            if (config.adminBroadcastEnabled()) {
                throw new InvalidConfigException(List.of("adminBroadcastSecret: expected a secret of at least "
                        + RoomcastConfig.MIN_SECRET_BYTES + " bytes because adminBroadcastEnabled is on, but none is set"));
            }
            return credential -> false;
        }
        return new SecretBroadcastAuthorizer(secret.get(), config.tokenSecret());
    }
}
